import AegisNATS
import Foundation
import NIOSSL
import Testing

@Suite(.enabled(if: NATSTestServer.executable != nil, "needs nats-server (scripts/install-test-deps.sh)"))
struct NATSClientTests {
    @Test func connectsFlushesAndKnowsNoResponders() async throws {
        let server = try NATSTestServer()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: server.url))
        #expect(connection.serverInfo.headers == true && connection.serverInfo.jetStream == true)
        try await connection.publish("aegis.test", headers: [("A", "b")], payload: Array("x".utf8))
        try await connection.flush()
        await #expect(throws: NATSError.noResponders) {
            _ = try await connection.request("nobody.listens", payload: [], timeout: .seconds(2))
        }
        await connection.close()
    }

    @Test func aStreamDeduplicatesByMessageIdAndNatsPyReadsItInOrder() async throws {
        let server = try NATSTestServer()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: server.url))
        let jetStream = JetStream(connection)
        #expect(try await jetStream.ensureStream("AEGIS", subjects: ["aegis.>"]))
        #expect(try await jetStream.ensureStream("AEGIS", subjects: ["aegis.>"]) == false)
        for index in 1...50 {
            let ack = try await jetStream.publish("aegis.acme.event", id: "event-\(index)", payload: Array(#"{"n":\#(index)}"#.utf8))
            #expect(ack.stream == "AEGIS" && ack.seq == UInt64(index) && ack.duplicate != true)
        }
        // A retried publish (same id) is acknowledged but not stored again.
        let retry = try await jetStream.publish("aegis.acme.event", id: "event-7", payload: Array(#"{"n":7}"#.utf8))
        #expect(retry.duplicate == true && retry.seq == 7)
        // No stream takes the subject.
        await #expect(throws: NATSError.noResponders) { _ = try await jetStream.publish("elsewhere.x", id: "1", payload: []) }
        await connection.close()

        // What a consumer sees, through another client (PyPI nats-py).
        let script = """
            import asyncio, json, sys, nats
            async def main():
                nc = await nats.connect(sys.argv[1])
                js = nc.jetstream()
                info = await js.stream_info("AEGIS")
                sub = await js.pull_subscribe("aegis.>", durable=None)
                got = []
                while len(got) < info.state.messages:
                    for m in await sub.fetch(100, timeout=5):
                        got.append([m.headers.get("Nats-Msg-Id"), json.loads(m.data)["n"]])
                        await m.ack()
                print(json.dumps({"messages": info.state.messages, "got": got}))
                await nc.close()
            asyncio.run(main())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(which("python3")))
        process.arguments = ["-c", script, server.url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Seen: Decodable {
            var messages: Int
            var got: [[ConsumedValue]]
        }
        let seen = try JSONDecoder().decode(Seen.self, from: data)
        #expect(seen.messages == 50)
        #expect(seen.got.map { $0.first?.text } == (1...50).map { "event-\($0)" })
        #expect(seen.got.map { $0.last?.number } == (1...50).map { $0 })
    }

    @Test func aWrongPasswordIsTheServersRefusal() async throws {
        let server = try NATSTestServer(arguments: ["--user", "aegis", "--pass", "right-password"])
        defer { server.stop() }
        // The refusal is the server's `-ERR`. On a loaded machine the server may time the login out
        // first (its 2 s "Authentication Timeout", also a `-ERR`), or its close may reset the
        // connection before the `-ERR` is read (it closes with our PING unread, and the reset can
        // discard what was in flight): then try again.
        var refusal = ""
        for _ in 0..<5 where !refusal.contains("Authorization Violation") {
            do {
                _ = try await NATSConnection.connect(to: try NATSServerAddress(url: "nats://aegis:wrong@127.0.0.1:\(server.port)"))
                Issue.record("a wrong password was accepted")
                return
            } catch NATSError.server(let message) {
                refusal = message
            } catch NATSError.closed {
                refusal = "closed"
            }
        }
        #expect(refusal.contains("Authorization Violation"), "the server's refusal: \(refusal)")
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: "nats://aegis:right-password@127.0.0.1:\(server.port)"))
        try await connection.flush()
        await connection.close()
    }

    @Test func tlsIsUpgradedToWhenTheServerRequiresIt() async throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-nats-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificates) }
        let path = { (name: String) in try TestCertificates.path(name) }
        // A configuration file, for a handshake timeout a loaded machine meets (the default is 2 s).
        let configuration = certificates.appendingPathComponent("nats.conf")
        try "tls { cert_file: \"\(try path("server.pem"))\", key_file: \"\(try path("server.key"))\", timeout: 10 }\n"
            .write(to: configuration, atomically: true, encoding: .utf8)
        let server = try NATSTestServer(arguments: ["-c", configuration.path])
        defer { server.stop() }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try path("ca.pem"))
        for scheme in ["tls", "nats"] {
            // tls:// asks for it; with nats:// the server's INFO does (tls_required).
            let connection = try await NATSConnection.connect(
                to: try NATSServerAddress(url: "\(scheme)://127.0.0.1:\(server.port)"), tlsConfiguration: tls)
            #expect(connection.serverInfo.tlsRequired == true)
            try await JetStream(connection).ensureStream("AEGIS", subjects: ["aegis.>"])
            #expect(try await JetStream(connection).publish("aegis.t", id: scheme, payload: []).stream == "AEGIS")
            await connection.close()
        }
        // Not trusting the server's CA: the upgrade fails, and says so.
        await #expect(throws: (any Error).self) {
            _ = try await NATSConnection.connect(to: try NATSServerAddress(url: "tls://127.0.0.1:\(server.port)"))
        }
    }

    @Test func aServerThatGoesAwayFailsWhatWaitsAndWhatFollows() async throws {
        let server = try NATSTestServer()
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: server.url))
        server.stop()
        for _ in 0..<100 where !connection.isClosed { try await Task.sleep(for: .milliseconds(50)) }
        #expect(connection.isClosed)
        await #expect(throws: NATSError.closed) { try await connection.publish("aegis.x", payload: []) }
        await #expect(throws: NATSError.closed) { try await connection.flush(timeout: .seconds(1)) }
        await #expect(throws: NATSError.closed) { _ = try await connection.request("aegis.x", payload: [], timeout: .seconds(1)) }
    }
}

/// A string or a number in the consumer's JSON output.
enum ConsumedValue: Decodable {
    case text(String)
    case number(Int)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
    }

    var text: String? { if case .text(let value) = self { value } else { nil } }
    var number: Int? { if case .number(let value) = self { value } else { nil } }
}
