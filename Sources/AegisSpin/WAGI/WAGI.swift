/// The WAGI contract (CGI/1.1 over WASI, as Spin's `wagi` executor runs it): the arguments and
/// environment a module gets for a request. Its stdout is read with ``CGIResponse``.
public enum WAGI {
    /// `GATEWAY_INTERFACE`.
    public static let gatewayInterface = "CGI/1.1"
    /// `SERVER_SOFTWARE`.
    public static let serverSoftware = "WAGI/1"

    /// argv from the executor's template: `${SCRIPT_NAME}` becomes the request path, `${ARGS}` the
    /// query with `&` turned into spaces; the result is split at every single space (so an empty
    /// query leaves an empty last argument, as in Spin).
    public static func arguments(for request: WAGIRequest, template: String = WAGIExecutor.defaultArgv) -> [String] {
        template
            .replacing("${SCRIPT_NAME}", with: request.path)
            .replacing("${ARGS}", with: request.query.replacing("&", with: " "))
            .split(separator: " ", omittingEmptySubsequences: false)
            .map(String.init)
    }

    /// The CGI/1.1 environment (RFC 3875) plus Spin's `X_*` variables and every request header as
    /// `HTTP_<NAME>`, except `Authorization` and `Connection`.
    public static func environment(for request: WAGIRequest, route: SpinRouteMatch) -> [String: String] {
        let (serverName, serverPort) = serverNameAndPort(request)
        var environment: [String: String] = [
            "AUTH_TYPE": "",
            "CONTENT_LENGTH": String(request.bodyLength),
            "CONTENT_TYPE": request.header("content-type") ?? "",
            "GATEWAY_INTERFACE": gatewayInterface,
            "QUERY_STRING": request.query,
            "REMOTE_ADDR": request.clientAddress,
            "REMOTE_HOST": request.clientAddress,
            "REMOTE_USER": "",
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": route.scriptName,
            "PATH_INFO": route.pathInfo,
            "X_RAW_PATH_INFO": route.pathInfo,
            "PATH_TRANSLATED": percentDecoded(route.pathInfo),
            "SERVER_NAME": serverName,
            "SERVER_PORT": serverPort,
            "SERVER_PROTOCOL": request.protocolVersion,
            "SERVER_SOFTWARE": serverSoftware,
            "X_FULL_URL": fullURL(request),
            "X_MATCHED_ROUTE": route.matchedRoute,
            "X_BASE_PATH": route.basePath,
            "X_COMPONENT_ROUTE": route.componentRoute,
            "X_RAW_COMPONENT_ROUTE": route.rawComponentRoute,
            "X_CLIENT_ADDR": clientAddress(request),
        ]
        for (name, value) in route.parameters {
            environment["X_PATH_MATCH_\(name.uppercased())"] = value
        }
        for (name, value) in request.headers {
            let variable = "HTTP_" + name.uppercased().replacing("-", with: "_")
            guard variable != "HTTP_AUTHORIZATION", variable != "HTTP_CONNECTION" else { continue }
            environment[variable] = value
        }
        return environment
    }

    /// The `Host` header decides, falling back to the server's own name and port.
    private static func serverNameAndPort(_ request: WAGIRequest) -> (String, String) {
        var name = request.serverName
        var port = String(request.serverPort)
        if let host = request.header("host") {
            let parts = host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if let hostName = parts.first, !hostName.isEmpty { name = String(hostName) }
            if parts.count == 2, !parts[1].isEmpty { port = String(parts[1]) }
        }
        return (name, port)
    }

    private static func fullURL(_ request: WAGIRequest) -> String {
        let host = request.header("host") ?? "\(request.serverName):\(request.serverPort)"
        let query = request.query.isEmpty ? "" : "?\(request.query)"
        return "\(request.scheme)://\(host)\(request.path)\(query)"
    }

    private static func clientAddress(_ request: WAGIRequest) -> String {
        let host = request.clientAddress.contains(":") ? "[\(request.clientAddress)]" : request.clientAddress
        return "\(host):\(request.clientPort)"
    }

    /// `%XX` decoded; malformed escapes stay as they are, invalid UTF-8 becomes U+FFFD.
    static func percentDecoded(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
