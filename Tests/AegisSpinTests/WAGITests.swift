import AegisSpin
import Testing

@Suite struct WAGITests {
    static func routes() throws -> SpinRoutes {
        try SpinRoutes(
            triggers: [
                SpinHTTPTrigger(id: "users", route: .path("/users/:id/..."), component: "users", executor: .wagi(WAGIExecutor()))
            ],
            basePath: "/apps/acme/iris")
    }

    static let request = WAGIRequest(
        method: "POST", path: "/apps/acme/iris/users/42/caf%C3%A9%20menu/", query: "a=1&b=two",
        headers: [
            ("Host", "reg.example.com:8443"), ("Content-Type", "text/plain"), ("Authorization", "Bearer secret"),
            ("Connection", "keep-alive"), ("X-Request-Id", "r1"), ("Accept", "text/html"), ("accept", "text/plain"),
        ],
        bodyLength: 5, clientAddress: "10.0.0.7", clientPort: 5555, serverName: "aegis.internal", serverPort: 5000)

    @Test func environmentFollowsCGIAndSpin() throws {
        let match = try #require(try Self.routes().match(Self.request.path))
        #expect(
            WAGI.environment(for: Self.request, route: match) == [
                "AUTH_TYPE": "",
                "CONTENT_LENGTH": "5",
                "CONTENT_TYPE": "text/plain",
                "GATEWAY_INTERFACE": "CGI/1.1",
                "QUERY_STRING": "a=1&b=two",
                "REMOTE_ADDR": "10.0.0.7",
                "REMOTE_HOST": "10.0.0.7",
                "REMOTE_USER": "",
                "REQUEST_METHOD": "POST",
                "SCRIPT_NAME": "/apps/acme/iris/users/:id",
                "PATH_INFO": "/caf%C3%A9%20menu/",
                "X_RAW_PATH_INFO": "/caf%C3%A9%20menu/",
                "PATH_TRANSLATED": "/café menu/",
                "SERVER_NAME": "reg.example.com",
                "SERVER_PORT": "8443",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "SERVER_SOFTWARE": "WAGI/1",
                "X_FULL_URL": "http://reg.example.com:8443/apps/acme/iris/users/42/caf%C3%A9%20menu/?a=1&b=two",
                "X_MATCHED_ROUTE": "/apps/acme/iris/users/:id/...",
                "X_BASE_PATH": "/apps/acme/iris",
                "X_COMPONENT_ROUTE": "/users/:id",
                "X_RAW_COMPONENT_ROUTE": "/users/:id/...",
                "X_CLIENT_ADDR": "10.0.0.7:5555",
                "X_PATH_MATCH_ID": "42",
                "HTTP_HOST": "reg.example.com:8443",
                "HTTP_CONTENT_TYPE": "text/plain",
                "HTTP_X_REQUEST_ID": "r1",
                "HTTP_ACCEPT": "text/plain",
            ])
    }

    @Test func withoutAHostHeaderTheServerNamesItself() throws {
        var request = Self.request
        request.headers = []
        request.clientAddress = "::1"
        request.scheme = "https"
        request.query = ""
        let environment = WAGI.environment(for: request, route: try #require(try Self.routes().match(request.path)))
        #expect(environment["SERVER_NAME"] == "aegis.internal")
        #expect(environment["SERVER_PORT"] == "5000")
        #expect(environment["X_FULL_URL"] == "https://aegis.internal:5000/apps/acme/iris/users/42/caf%C3%A9%20menu/")
        #expect(environment["X_CLIENT_ADDR"] == "[::1]:5555")
        #expect(environment["REMOTE_ADDR"] == "::1")
        #expect(environment["CONTENT_TYPE"] == "")
        #expect(environment.keys.filter { $0.hasPrefix("HTTP_") }.isEmpty)
    }

    @Test func argvComesFromTheTemplate() {
        #expect(WAGI.arguments(for: Self.request) == ["/apps/acme/iris/users/42/caf%C3%A9%20menu/", "a=1", "b=two"])
        var request = Self.request
        request.query = ""
        #expect(WAGI.arguments(for: request) == ["/apps/acme/iris/users/42/caf%C3%A9%20menu/", ""])
        #expect(WAGI.arguments(for: Self.request, template: "infer --model /model ${ARGS}") == ["infer", "--model", "/model", "a=1", "b=two"])
    }
}
