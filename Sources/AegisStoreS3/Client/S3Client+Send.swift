import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension S3Client {
    /// Sends `operation`, retrying as the policy allows, and hands a 2xx answer to `handle`, whose
    /// errors (a connection dropped while reading the body, an `<Error>` in a 200) count as the
    /// attempt's. A non-2xx answer becomes the `S3Error` of its body.
    func send<Result>(_ operation: S3Operation, _ handle: (HTTPClientResponse) async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                let response = try await execute(operation)
                guard (200..<300).contains(response.status.code) else {
                    throw await S3Error(response: response, method: operation.method)
                }
                return try await handle(response)
            } catch {
                guard operation.isRetryable, attempt < configuration.retry.maximumAttempts, Self.isTransient(error) else { throw error }
                let delay = configuration.retry.delay(after: attempt)
                logger.debug(
                    "S3 request failed, retrying",
                    metadata: ["s3.operation": "\(operation.name)", "s3.attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// Addresses, signs (anew on every attempt: the date is part of the signature) and executes one attempt.
    private func execute(_ operation: S3Operation) async throws -> HTTPClientResponse {
        let (host, path) = location(of: operation.key)
        var signed = SigV4Request(method: operation.method.rawValue, path: path, query: operation.query, headers: operation.headers)
        signed.headers.replaceOrAdd(name: "host", value: host)
        let payload: SigV4PayloadHash
        switch operation.body {
        case .empty: payload = .empty
        case .bytes(let bytes): payload = bytes.withUnsafeReadableBytes { .sha256(of: $0) }
        case .stream: payload = .unsigned
        }
        signer.sign(&signed, payload: payload, at: Date())
        var request = HTTPClientRequest(url: url(host: host, for: signed))
        request.method = operation.method
        request.headers = signed.headers
        var deadline = NIODeadline.now() + TimeAmount(configuration.requestTimeout)
        switch operation.body {
        case .empty:
            // An explicit `Content-Length: 0`: some servers want one on every PUT and POST.
            if operation.method == .PUT || operation.method == .POST { request.body = .bytes(ByteBuffer()) }
        case .bytes(let bytes):
            request.body = .bytes(bytes)
        case .stream(let body):
            request.body = body
            deadline = .distantFuture
        }
        return try await httpClient.execute(request, deadline: deadline, logger: logger)
    }

    /// A connection error, a timeout or a transient answer; not a cancellation, not a 4xx.
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let error as S3Error: return error.isTransient
        case is CancellationError: return false
        case let error as HTTPClientError:
            return ![.cancelled, .deadlineExceeded, .bodyLengthMismatch, .invalidURL, .emptyHost, .emptyScheme].contains(error)
        default: return true
        }
    }
}
