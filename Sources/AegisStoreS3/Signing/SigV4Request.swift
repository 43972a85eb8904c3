import NIOHTTP1

/// The parts of an HTTP request that Signature V4 covers.
///
/// The path and the query hold decoded text: the signer percent-encodes them exactly once (S3's rule,
/// unlike the other AWS services, which encode the already-encoded path a second time), and
/// `encodedPath` and `canonicalQuery` give the same encoding for the URL that is sent.
public struct SigV4Request: Sendable {
    /// One query parameter, decoded.
    public struct QueryItem: Sendable, Hashable {
        /// The parameter name.
        public var name: String
        /// The value; an empty value is written as `name=`.
        public var value: String

        /// Creates a parameter.
        public init(_ name: String, _ value: String = "") {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP method, upper case.
    public var method: String
    /// The decoded path, starting with `/`.
    public var path: String
    /// The query parameters, in any order.
    public var query: [QueryItem]
    /// The headers to sign (all of them, `Host` included); the signer adds its own here.
    public var headers: HTTPHeaders

    /// Creates a request.
    public init(method: String, path: String, query: [QueryItem] = [], headers: HTTPHeaders = [:]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The path as sent and signed: each segment percent-encoded once, `/` kept.
    public var encodedPath: String {
        let encoded = SigV4Encoding.encodePath(path)
        return encoded.isEmpty ? "/" : encoded
    }

    /// The query as sent and signed: names and values percent-encoded, sorted by name then value.
    public var canonicalQuery: String {
        query.map { (SigV4Encoding.encode($0.name), SigV4Encoding.encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }
}
