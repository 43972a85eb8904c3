import AegisOperations
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Webhook requests over AsyncHTTPClient: its own client, which follows no redirect (a redirect
/// could lead past the target check). Made on the first request (an application built and never
/// run makes none) and shut down with the dispatcher.
final class HTTPWebhookTransport: WebhookTransport {
    /// The most of an answer's body read (and dropped): receivers answer with a status.
    static let maxAnswerBytes = 64 * 1024

    private let made = Mutex<HTTPClient?>(nil)

    private var client: HTTPClient {
        made.withLock { made in
            if let client = made { return client }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
            configuration.connectionPool.idleTimeout = .seconds(30)
            // A refused connection fails the attempt at once (the dispatcher retries it later), not
            // after the client retried the connection until the attempt's deadline.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            made = client
            return client
        }
    }

    func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> WebhookAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = HTTPHeaders(headers)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
            let response = try await client.execute(request, deadline: deadline)
            _ = try? await response.body.collect(upTo: Self.maxAnswerBytes)
            return .status(Int(response.status.code))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .failed("no answer within \(timeout.components.seconds) s")
        } catch {
            return .failed("\(error)")
        }
    }

    func shutdown() async {
        let client = made.withLock { made in
            defer { made = nil }
            return made
        }
        try? await client?.shutdown()
    }
}
