/// What the WAGI environment needs to know about an HTTP request.
public struct WAGIRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The request path as received (percent-encoded), including the app's base path, without the query.
    public var path: String
    /// The query string without `?`; empty when there is none.
    public var query: String
    /// Request headers in arrival order.
    public var headers: [(name: String, value: String)]
    /// The length of the body the module will read on stdin.
    public var bodyLength: Int
    /// The client's IP address.
    public var clientAddress: String
    /// The client's port.
    public var clientPort: Int
    /// The server's name when the request has no `Host` header.
    public var serverName: String
    /// The server's port when the `Host` header has none.
    public var serverPort: Int
    /// `http` or `https`.
    public var scheme: String
    /// `HTTP/1.1`, `HTTP/2.0`…
    public var protocolVersion: String

    /// Creates a request description.
    public init(
        method: String, path: String, query: String = "", headers: [(name: String, value: String)] = [], bodyLength: Int = 0,
        clientAddress: String, clientPort: Int, serverName: String, serverPort: Int, scheme: String = "http",
        protocolVersion: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.bodyLength = bodyLength
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.serverName = serverName
        self.serverPort = serverPort
        self.scheme = scheme
        self.protocolVersion = protocolVersion
    }

    /// The last value of a header, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name }?.value
    }
}
