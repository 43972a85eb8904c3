/// Everything an `S3Client` needs to reach one bucket: where, how to address it, as whom.
public struct S3Configuration: Sendable, Hashable {
    /// How the bucket appears in request URLs.
    public enum AddressingStyle: String, Sendable, Hashable {
        /// `http://endpoint/bucket/key`: what S3-compatible servers on one host name expect.
        case path
        /// `https://bucket.endpoint/key`: AWS's default (path-style is deprecated there).
        case virtualHosted = "virtual"
    }

    /// The bucket name.
    public var bucket: String
    /// The key prefix under which every key of the client lives, without leading or trailing `/`
    /// (`ci` puts key `blobs/x` at `ci/blobs/x`); empty for the bucket's root.
    public var prefix: String
    /// The service endpoint (without the bucket, even for virtual-hosted addressing).
    public var endpoint: S3Endpoint
    /// The signing region.
    public var region: String
    /// Path-style or virtual-hosted addressing.
    public var style: AddressingStyle
    /// The access key.
    public var credentials: SigV4Credentials
    /// Retries of idempotent requests.
    public var retry: S3RetryPolicy
    /// The deadline of a request whose body is small (everything but streamed objects and parts,
    /// which are bounded only by the `HTTPClient`'s connect and read timeouts).
    public var requestTimeout: Duration

    /// Creates a configuration.
    public init(
        bucket: String, prefix: String = "", endpoint: S3Endpoint, region: String, style: AddressingStyle,
        credentials: SigV4Credentials, retry: S3RetryPolicy = .standard, requestTimeout: Duration = .seconds(60)
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.region = region
        self.style = style
        self.credentials = credentials
        self.retry = retry
        self.requestTimeout = requestTimeout
    }

    /// The full key of `key`: the prefix, `/`, the key.
    public func objectKey(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix)/\(key)" }
}
