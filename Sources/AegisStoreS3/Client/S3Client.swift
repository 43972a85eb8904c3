import AsyncHTTPClient
import Logging
import NIOCore

/// The low-level S3 operations that a blob driver needs, on AsyncHTTPClient, signed with `SigV4Signer`.
///
/// Keys are relative to the configuration's prefix. Object bodies stream in both directions, chunk
/// by chunk; no object is ever held whole in memory. Idempotent requests with a replayable body are
/// retried (`S3RetryPolicy`) after connection errors and transient answers; a streamed body is sent
/// once. Deliberately absent: ListMultipartUploads and every server-side copy.
public struct S3Client: Sendable {
    /// Where and as whom.
    public let configuration: S3Configuration
    let httpClient: HTTPClient
    let signer: SigV4Signer
    let logger: Logger

    /// Creates a client on an `HTTPClient` that the caller owns (and shuts down).
    public init(configuration: S3Configuration, httpClient: HTTPClient, logger: Logger = Logger(label: "aegisguard.s3")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        self.logger = logger
    }

    /// The host (with port) and decoded path of the bucket, or of `key` in it.
    func location(of key: String?) -> (host: String, path: String) {
        let object = key.map { "/" + configuration.objectKey($0) } ?? ""
        switch configuration.style {
        case .path:
            return (configuration.endpoint.authority(), "/\(configuration.bucket)\(object)")
        case .virtualHosted:
            let host = configuration.endpoint.authority(host: "\(configuration.bucket).\(configuration.endpoint.host)")
            return (host, object.isEmpty ? "/" : object)
        }
    }

    /// The URL of a signed (or presigned) request to `host`.
    func url(host: String, for request: SigV4Request) -> String {
        let query = request.canonicalQuery
        return "\(configuration.endpoint.scheme)://\(host)\(request.encodedPath)\(query.isEmpty ? "" : "?" + query)"
    }
}
