import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One S3 request as the client's operations describe it, before addressing and signing.
struct S3Operation: Sendable {
    /// What is sent as the body.
    enum Body: Sendable {
        case empty
        /// A small body, hashed into the signature and replayable on retry.
        case bytes(ByteBuffer)
        /// A streamed body of known length, sent `UNSIGNED-PAYLOAD` and never retried.
        case stream(HTTPClientRequest.Body)
    }

    /// The S3 API name (`GetObject`), for logs.
    var name: String
    var method: HTTPMethod
    /// The key relative to the prefix, or `nil` for a bucket-level request.
    var key: String?
    var query: [SigV4Request.QueryItem] = []
    var headers: HTTPHeaders = [:]
    var body: Body = .empty
    /// Whether repeating the request cannot do harm (S3 semantics, not HTTP's: `CompleteMultipartUpload` is).
    var idempotent: Bool = true

    /// Whether a failed attempt may be repeated: idempotent and with a body that can be sent again.
    var isRetryable: Bool {
        guard idempotent else { return false }
        if case .stream = body { return false }
        return true
    }
}
