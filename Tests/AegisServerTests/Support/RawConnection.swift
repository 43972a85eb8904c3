import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// What a server answered to bytes written straight onto a socket: for requests no HTTP client
/// would send (bad chunk sizes, absurd lengths, odd methods).
struct RawExchange {
    /// Everything received, as text.
    var text: String
    /// Whether the server closed the connection before `timeout`.
    var closedByServer: Bool

    /// The status of the first response.
    var status: Int? {
        text.split(separator: "\r\n", maxSplits: 1).first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
    }

    /// Number of responses in the text (a stray second answer is a framing bug).
    var responseCount: Int { text.components(separatedBy: "HTTP/1.1 ").count - 1 }

    /// The body of the first response (its `Content-Length` bytes, or the rest when it has none).
    var body: String {
        guard let end = text.range(of: "\r\n\r\n") else { return "" }
        let rest = Array(text[end.upperBound...].utf8)
        let length = header("Content-Length").flatMap { Int($0) } ?? rest.count
        return String(decoding: rest.prefix(length), as: UTF8.self)
    }

    /// A header of the first response.
    func header(_ name: String) -> String? {
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}

/// Writes `request` to 127.0.0.1:`port` and reads until the server closes or `timeout` passes.
func rawExchange(port: Int, _ request: String, timeout: Duration = .seconds(10)) async throws -> RawExchange {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
    }
    let received = NIOLockedValueBox(ByteBuffer())
    let closed = try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: request))
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    for try await chunk in inbound { received.withLockedValue { _ = $0.writeImmutableBuffer(chunk) } }
                } catch {
                    // A reset after the answer still counts as closed.
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
    return RawExchange(text: String(buffer: received.withLockedValue { $0 }), closedByServer: closed)
}

extension Trait where Self == ConditionTrait {
    /// For tests that write raw HTTP/1.1 bytes on a plain socket: skipped when the suite runs over
    /// TLS and HTTP/2 (`AEGIS_TEST_TRANSPORT=h2`), where those bytes cannot be sent.
    static var plainHTTP1: Self { .disabled(if: TestRegistry.overTLS, "raw HTTP/1.1 on a plain socket") }

    /// For tests whose own client speaks plain HTTP to the registry (or trusts only the system's
    /// CAs): skipped in the TLS run.
    static var ownPlainClient: Self { .disabled(if: TestRegistry.overTLS, "the test's own client speaks plain HTTP") }

    /// For tests that read a redirect itself: the TLS run's client (HummingbirdTesting's
    /// AsyncHTTPClient) follows redirects.
    static var redirectsUnfollowed: Self { .disabled(if: TestRegistry.overTLS, "the TLS test client follows redirects") }
}
