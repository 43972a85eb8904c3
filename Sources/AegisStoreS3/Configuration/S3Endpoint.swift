/// Where an S3 service listens: a scheme, a host and an optional port (`http://127.0.0.1:8333`).
public struct S3Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or address, without port.
    public var host: String
    /// The port, or `nil` for the scheme's default.
    public var port: Int?

    /// Creates an endpoint.
    public init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// AWS's regional endpoint, `https://s3.<region>.amazonaws.com`.
    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com")
    }

    /// `host` or `host:port`, the port written only when it is not the scheme's default, as HTTP
    /// clients write the `Host` header (which is signed, so the two must agree).
    public func authority(host: String? = nil) -> String {
        let name = host ?? self.host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }

    public var description: String { "\(scheme)://\(authority())" }
}
