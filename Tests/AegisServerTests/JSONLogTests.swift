import AegisConfig
import AegisServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// `log_format = "json"`: one JSON object per line, and no credential ever in a line.
@Suite struct JSONLogTests {
    final class Capture: Sendable {
        let bytes = Mutex<[UInt8]>([])
        var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
        var output: JSONLogHandler.Output { JSONLogHandler.Output { line in self.bytes.withLock { $0 += line } } }

        var lines: [[String: Any]] {
            text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    @Test func aLineIsOneJSONObjectWithItsFieldsMetadataAndEscapes() throws {
        let capture = Capture()
        var logger = Logger(label: "aegis.test") { JSONLogHandler(label: $0, output: capture.output) }
        logger[metadataKey: "hb.request.id"] = "r-1"
        logger.warning(
            "quote \" backslash \\ newline \n tab \t bell \u{07}",
            metadata: ["tenant": "acme", "nested": ["a": ["1", "2"]], "level": "not the level"])
        let lines = capture.text.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(capture.lines.first)
        #expect(object["level"] as? String == "warning" && object["logger"] as? String == "aegis.test")
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07}")
        #expect(object["request_id"] as? String == "r-1" && object["hb.request.id"] == nil)
        #expect(object["tenant"] as? String == "acme")
        #expect((object["nested"] as? [String: [String]]) == ["a": ["1", "2"]])
        #expect(try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(try #require(object["time"] as? String)) <= Date())
        #expect((object["source"] as? String)?.contains("JSONLogTests.swift:") == true)
    }

    @Test func credentialsInURLsAreMasked() {
        let capture = Capture()
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, output: capture.output) }
        logger.error("NATS unreachable", metadata: ["url": "nats://events:s3cr3t-pass@nats.internal:4222", "db": "postgres://u:pw@db/x"])
        #expect(!capture.text.contains("s3cr3t-pass") && !capture.text.contains(":pw@"))
        #expect(capture.text.contains("nats://events:***@nats.internal:4222") && capture.text.contains("postgres://u:***@db/x"))
    }

    @Test func aServerLogsEveryRequestWithItsIdAndNeverACredential() async throws {
        let capture = Capture()
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.logLevel = "trace"
        registry.configuration.events.webhookAllowPrivateTargets = true
        registry.logger = Logger(label: "aegisguard") { JSONLogHandler(label: $0, output: capture.output) }
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let (robotKey, token) = try await registry.run(as: nil) { client in
            let admin: HTTPFields = [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("admin", "wrong-password-123")]) {
                #expect($0.status == .unauthorized)
            }
            struct Token: Decodable { var token: String }
            let token = try await client.execute(uri: "/token?service=aegisguard&scope=repository:acme/app:pull", method: .get, headers: admin) {
                try $0.json(Token.self).token
            }
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .ok) }
            struct Robot: Decodable { var key: String }
            var json = admin
            json[.contentType] = "application/json"
            let key = try await client.execute(
                uri: "/api/v1/tenants/acme/robots", method: .post, headers: json, body: ByteBuffer(string: #"{"name":"ci"}"#)
            ) { try $0.json(Robot.self).key }
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("robot$acme+ci", key)]) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/tenants/acme/webhooks", method: .post, headers: json,
                body: ByteBuffer(string: #"{"url":"http://127.0.0.1:9/hook","secret":"\#(secret)"}"#)
            ) { #expect($0.status == .created) }
            try await Task.sleep(for: .milliseconds(300))  // the dispatcher's failed attempts log too
            return (key, token)
        }
        let text = capture.text
        let lines = text.split(separator: "\n")
        #expect(lines.count == capture.lines.count, "every line is a JSON object")
        let requests = capture.lines.filter { $0["message"] as? String == "request" }
        #expect(requests.count >= 6)
        #expect(requests.allSatisfy { ($0["request_id"] as? String)?.isEmpty == false && $0["http.response.status_code"] != nil })
        #expect(requests.contains { $0["tenant"] as? String == "acme" && $0["http.route"] as? String == "/api/v1/*" })
        for credential in [
            TestRegistry.admin.password, "wrong-password-123", token, robotKey, secret, String(secret.dropFirst(6)),
            Data("admin:\(TestRegistry.admin.password)".utf8).base64EncodedString(),
        ] {
            #expect(!text.contains(credential), "a credential reached the log")
        }
    }
}
