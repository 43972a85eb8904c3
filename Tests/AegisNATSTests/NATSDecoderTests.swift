import NIOCore
import Testing

@testable import AegisNATS

@Suite struct NATSDecoderTests {
    func parseAll(_ text: String, maxPayload: Int = 1 << 20) throws -> [NATSServerOperation] {
        var buffer = ByteBuffer(string: text)
        var operations: [NATSServerOperation] = []
        while let operation = try NATSDecoder.parse(&buffer, maxPayload: maxPayload) { operations.append(operation) }
        #expect(buffer.readableBytes == 0, "left over: \(String(buffer: buffer))")
        return operations
    }

    @Test func controlLinesMessagesAndHeaders() throws {
        let operations = try parseAll(
            "INFO {\"server_id\":\"x\",\"headers\":true}\r\nPING\r\npong\r\n+OK\r\n-ERR 'Authorization Violation'\r\n"
                + "MSG a.b 7 5\r\nhello\r\nMSG a.b 7 _INBOX.1 0\r\n\r\n"
                + "HMSG _INBOX.x.1 1 27 29\r\nNATS/1.0 503\r\nA: b\r\nC:d\r\n\r\nhi\r\n")
        #expect(operations.count == 8)
        #expect(operations[0] == .info(#"{"server_id":"x","headers":true}"#))
        #expect(operations[1] == .ping && operations[2] == .pong && operations[3] == .ok)
        #expect(operations[4] == .error("Authorization Violation"))
        #expect(
            operations[5]
                == .message(NATSMessage(subject: "a.b", subscription: "7", replyTo: nil, status: nil, headers: [], payload: Array("hello".utf8))))
        #expect(operations[6] == .message(NATSMessage(subject: "a.b", subscription: "7", replyTo: "_INBOX.1", status: nil, headers: [], payload: [])))
        guard case .message(let reply) = operations[7] else { Issue.record("not a message"); return }
        #expect(reply.status == 503 && reply.header("a") == "b" && reply.header("C") == "d" && reply.payload == Array("hi".utf8))
    }

    @Test func anIncompleteMessageWaitsForItsBytes() throws {
        let whole = "MSG s 1 10\r\n0123456789\r\nPING\r\n"
        for cut in 1..<whole.utf8.count {
            var buffer = ByteBuffer(bytes: Array(whole.utf8.prefix(cut)))
            let first = try NATSDecoder.parse(&buffer, maxPayload: 1 << 20)
            if cut < "MSG s 1 10\r\n0123456789\r\n".utf8.count {
                #expect(first == nil, "cut at \(cut)")
                #expect(buffer.readableBytes == cut, "nothing consumed at \(cut)")
            } else {
                #expect(first != nil)
            }
        }
    }

    @Test(arguments: [
        "BOGUS\r\n", "MSG s 1\r\n", "MSG s 1 -3\r\n", "MSG s 1 99999999\r\n", "HMSG s 1 40 30\r\n", "MSG s 1 2\r\nabXY",
        String(repeating: "x", count: 5000),
    ])
    func protocolViolationsAreErrors(text: String) {
        var buffer = ByteBuffer(string: text)
        #expect(throws: NATSProtocolError.self) {
            while try NATSDecoder.parse(&buffer, maxPayload: 1 << 20) != nil {}
        }
    }

    @Test func publishWritesHPUBWithTheHeaderLength() {
        var buffer = ByteBuffer()
        NATSClientOperation.publish("aegis.acme.x", replyTo: "_INBOX.a.1", headers: [("Nats-Msg-Id", "42")], payload: Array("{}".utf8), into: &buffer)
        #expect(String(buffer: buffer) == "HPUB aegis.acme.x _INBOX.a.1 29 31\r\nNATS/1.0\r\nNats-Msg-Id: 42\r\n\r\n{}\r\n")
        buffer.clear()
        NATSClientOperation.publish("s", replyTo: nil, headers: [], payload: [1, 2], into: &buffer)
        #expect(Array(buffer.readableBytesView) == Array("PUB s 2\r\n".utf8) + [1, 2, 13, 10])
    }

    @Test func addresses() throws {
        let plain = try NATSServerAddress(url: "nats://127.0.0.1:4333")
        #expect(plain.host == "127.0.0.1" && plain.port == 4333 && !plain.tls && plain.user == nil)
        let login = try NATSServerAddress(url: "tls://aegis:s%40cret@nats.internal")
        #expect(login.tls && login.port == 4222 && login.user == "aegis" && login.password == "s@cret")
        #expect(try NATSServerAddress(url: "nats://t0ken@localhost:1").token == "t0ken")
        #expect(throws: NATSError.invalidURL("http://x")) { try NATSServerAddress(url: "http://x") }
    }
}
