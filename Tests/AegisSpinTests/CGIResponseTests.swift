import AegisSpin
import Testing

@Suite struct CGIResponseTests {
    /// stdout of Fixtures/wasm/cgi.wasm for each PATH_INFO, as Fixtures/wasm/README.md describes it.
    static let fixtureOutputs: [(name: String, stdout: String, status: Int, headers: [String: String], body: String)] = [
        (
            "hello", "Content-Type: text/plain\n\nHello from WAGI GET /hello ?a=1&b=2\n", 200, ["content-type": "text/plain"],
            "Hello from WAGI GET /hello ?a=1&b=2\n"
        ),
        ("unset PATH_INFO", "Content-Type: text/plain\n\nHello from WAGI GET  ?\n", 200, ["content-type": "text/plain"], "Hello from WAGI GET  ?\n"),
        (
            "missing", "Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing\n", 404, ["content-type": "text/plain"],
            "no such thing\n"
        ),
        ("redirect", "Location: /apps/x/hello\n\n", 302, ["location": "/apps/x/hello"], ""),
        (
            "headers", "Content-Type: text/plain\n\nHTTP_ACCEPT=*/*\nHTTP_HOST=localhost\n", 200, ["content-type": "text/plain"],
            "HTTP_ACCEPT=*/*\nHTTP_HOST=localhost\n"
        ),
        ("argv", "Content-Type: text/plain\n\n/apps/x/argv a=1 b=2\n", 200, ["content-type": "text/plain"], "/apps/x/argv a=1 b=2\n"),
        ("fail (exit 1 is the runtime's concern)", "Content-Type: text/plain\n\nfailing\n", 200, ["content-type": "text/plain"], "failing\n"),
        (
            "unknown path", "Status: 500 Internal Server Error\nContent-Type: text/plain\n\nunknown path /nope\n", 500,
            ["content-type": "text/plain"], "unknown path /nope\n"
        ),
    ]

    @Test(arguments: fixtureOutputs)
    func parsesTheCGIFixtureOutputs(name: String, stdout: String, status: Int, headers: [String: String], body: String) throws {
        let response = try CGIResponse(parsing: stdout.bytes)
        #expect(response.status == status, "\(name)")
        #expect(Dictionary(uniqueKeysWithValues: response.headers.map { ($0.name, $0.value) }) == headers)
        #expect(response.body == body.bytes)
    }

    @Test func echoBodyIsReturnedByteForByte() throws {
        let payload: [UInt8] = [0, 1, 13, 10, 13, 10, 10, 255, 0x41]
        let response = try CGIResponse(parsing: "Content-Type: application/octet-stream\n\n".bytes + payload)
        #expect(response.status == 200)
        #expect(response.headers == [CGIResponse.Header(name: "content-type", value: "application/octet-stream")])
        #expect(response.body == payload)
    }

    @Test func carriageReturnsAreIgnoredInHeadersOnly() throws {
        let response = try CGIResponse(parsing: "Content-Type: text/html\r\nX-Thing:  a b \r\n\r\nline\r\n".bytes)
        #expect(response.headers == [.init(name: "content-type", value: "text/html"), .init(name: "x-thing", value: "a b")])
        #expect(response.body == "line\r\n".bytes)
    }

    @Test func statusRules() throws {
        #expect(try CGIResponse(parsing: "Status: 204\n\n".bytes).status == 204)
        #expect(try CGIResponse(parsing: "Location: /x\nStatus: 301 Moved\n\n".bytes).status == 301)
        #expect(try CGIResponse(parsing: "Status: 307\nLocation: /x\n\n".bytes).status == 307)
        #expect(try CGIResponse(parsing: "Status: teapot\nContent-Type: text/plain\n\n".bytes).status == 502)
        #expect(try CGIResponse(parsing: "Status: 42\n\n".bytes).status == 502)
        #expect(try CGIResponse(parsing: "Status: 404 Not Found\n\n".bytes).headers.isEmpty, "Status is not a response header")
    }

    @Test func oddHeaderLinesAreDroppedAndRepeatsKeepTheLastValue() throws {
        let response = try CGIResponse(parsing: "Content-Type: a\nnot a header\nBad Name: x\nX-A: 1\nx-a: 2\nContent-Type: b\n\n".bytes)
        #expect(response.headers == [.init(name: "content-type", value: "b"), .init(name: "x-a", value: "2")])
    }

    static let invalidOutputs: [[UInt8]] = [
        [],
        "Content-Type: text/plain\nno blank line".bytes,
        "X-Only: 1\n\nbody".bytes,
        "\n\nbody".bytes,
        [0x43, 0x3A, 0xFF, 0x0A, 0x0A],
        "Content-Type: text/plain\nX-Bad: a\u{7}b\n\n".bytes,
    ]

    @Test(arguments: invalidOutputs)
    func rejectsUnusableOutput(stdout: [UInt8]) {
        expectSpinError(.cgiResponseInvalid) { _ = try CGIResponse(parsing: stdout) }
    }
}
