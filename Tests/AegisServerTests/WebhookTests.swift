import AegisConfig
import AegisCore
import AegisOperations
import AegisServer
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// Webhooks end to end: a receiver on loopback, the registry's dispatcher delivering signed
/// CloudEvents with retries, the delivery log, disabling, the SSRF guard and the event log.
@Suite struct WebhookTests {
    /// What a receiver got: every request, and the ones it accepted.
    final class Receiver: Sendable {
        struct Request: Sendable {
            var headers: HTTPFields
            var body: [UInt8]
            var accepted: Bool
        }
        /// How many times the receiver refuses each `webhook-id` before accepting it (nil: always).
        let failuresPerEvent: Int?
        let requests = Mutex<[Request]>([])

        init(failuresPerEvent: Int?) { self.failuresPerEvent = failuresPerEvent }

        var accepted: [Request] { requests.withLock { $0.filter(\.accepted) } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
                let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
                let accepted = self.requests.withLock { requests in
                    let seen = requests.filter { $0.headers[HTTPField.Name("webhook-id")!] == id }.count
                    let accepted = self.failuresPerEvent.map { seen >= $0 } ?? false
                    requests.append(Request(headers: request.headers, body: body, accepted: accepted))
                    return accepted
                }
                return Response(status: accepted ? .noContent : .serviceUnavailable)
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
    }

    struct Created: Decodable {
        var id: Int64
        var secret: String?
        var types: [String]
        var enabled: Bool
    }

    struct Delivery: Decodable {
        var event: Int64
        var state: String
        var attempts: Int
        var statusCode: Int?
        var latencyMs: Double?
    }

    struct DeliveryPage: Decodable {
        var deliveries: [Delivery]
    }

    struct Document: Decodable {
        var id: String
        var type: String
        var subject: String
        var tenant: String?
        var specversion: String
        var time: String
    }

    func registry(allowPrivate: Bool = true) throws -> TestRegistry {
        var registry = try TestRegistry()
        registry.configuration.events.webhookAllowPrivateTargets = allowPrivate
        registry.configuration.events.webhookRetryMilliseconds = 20
        return registry
    }

    func create(_ client: some TestClientProtocol, _ body: String, tenant: String = "acme") async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/tenants/\(tenant)/webhooks", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    func deliveries(_ client: some TestClientProtocol, webhook: Int64) async throws -> [Delivery] {
        try await client.execute(uri: "/api/v1/tenants/acme/webhooks/\(webhook)/deliveries", method: .get) {
            try $0.json(DeliveryPage.self).deliveries
        }
    }

    /// Polls `condition` every 50 ms for at most 10 s.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    static func signature(secret: String, headers: HTTPFields, body: [UInt8]) -> String {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data())
        let id = headers[HTTPField.Name("webhook-id")!] ?? ""
        let timestamp = headers[HTTPField.Name("webhook-timestamp")!] ?? ""
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(id).\(timestamp).".utf8) + body, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    @Test func aReceiverFailingTwiceGetsEachEventOnceAcceptedWithValidSignatures() async throws {
        let receiver = Receiver(failuresPerEvent: 2)
        try await receiver.application().test(.live) { hook in
            let port = try #require(hook.port)
            let registry = try registry()
            defer { registry.remove() }
            try await registry.run { client in
                let response = try await create(client, #"{"url":"http://127.0.0.1:\#(port)/hook","types":["manifest.*","tag.moved"]}"#)
                #expect(response.status == .created)
                let webhook = try response.json(Created.self)
                let secret = try #require(webhook.secret)
                #expect(secret.hasPrefix("whsec_") && webhook.types == ["manifest.*", "tag.moved"] && webhook.enabled)
                // The secret is shown once.
                try await client.execute(uri: "/api/v1/tenants/acme/webhooks/\(webhook.id)", method: .get) {
                    #expect($0.status == .ok && !String(buffer: $0.body).contains(secret))
                }

                _ = try await client.pushImage(to: "acme/app", tag: "v1")
                _ = try await client.pushImage(to: "acme/app", tag: "v2")
                _ = try await client.pushImage(to: "globex/app", tag: "v1")  // another tenant's: not sent
                // Two manifests and two tags: four events; blob links are filtered out.
                #expect(try await eventually { receiver.accepted.count >= 4 })
                try await Task.sleep(for: .milliseconds(200))  // nothing more may come
                let accepted = receiver.accepted
                let documents = try accepted.map { try JSONDecoder().decode(Document.self, from: Data($0.body)) }
                #expect(accepted.count == 4, "\(documents.map(\.type))")
                #expect(Set(documents.map(\.id)).count == accepted.count, "one accepted delivery per event")
                #expect(documents.allSatisfy { $0.tenant == "acme" && $0.specversion == "1.0" })
                // RFC 3339 times in UTC, as CloudEvents requires.
                #expect(
                    documents.allSatisfy { (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0.time)) != nil },
                    "\(documents.map(\.time))")
                #expect(Set(documents.map(\.type)) == ["org.aegisguard.manifest.pushed", "org.aegisguard.tag.moved"])
                #expect(receiver.requests.withLock { $0.count } == 12, "each event refused twice, then accepted")
                for request in receiver.requests.withLock({ $0 }) {
                    #expect(
                        request.headers[HTTPField.Name("webhook-signature")!]
                            == Self.signature(secret: secret, headers: request.headers, body: request.body))
                    #expect(request.headers[.contentType] == "application/cloudevents+json")
                    let timestamp = Double(request.headers[HTTPField.Name("webhook-timestamp")!] ?? "") ?? 0
                    #expect(abs(timestamp - Date().timeIntervalSince1970) < 60)
                }

                // The delivery log: each delivered on its third attempt, with status and latency.
                let log = try await deliveries(client, webhook: webhook.id)
                #expect(log.count == 4 && log.allSatisfy { $0.state == "delivered" && $0.attempts == 3 && $0.statusCode == 204 })
                #expect(log.allSatisfy { ($0.latencyMs ?? -1) >= 0 })

                // The metrics count the attempts by outcome.
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains(#"aegis_webhook_deliveries_total{tenant="acme",outcome="delivered"} 4"#))
                #expect(metrics.contains(#"aegis_webhook_deliveries_total{tenant="acme",outcome="failed"} 8"#))
            }
        }
    }

    @Test func aWebhookFailingTooOftenIsDisabledWhichIsAnEvent() async throws {
        let receiver = Receiver(failuresPerEvent: nil)
        try await receiver.application().test(.live) { hook in
            let port = try #require(hook.port)
            var registry = try registry()
            registry.configuration.events.webhookDisableAfter = 3
            registry.configuration.events.webhookMaxAttempts = 2
            defer { registry.remove() }
            try await registry.run { client in
                let webhook = try await create(client, #"{"url":"http://127.0.0.1:\#(port)/hook","types":["tag.*"]}"#).json(Created.self)
                _ = try await client.pushImage(to: "acme/app", tag: "v1")
                _ = try await client.pushImage(to: "acme/app", tag: "v2")
                _ = try await client.pushImage(to: "acme/app", tag: "v3")
                #expect(
                    try await eventually {
                        try await client.execute(uri: "/api/v1/tenants/acme/webhooks/\(webhook.id)", method: .get) {
                            try $0.json(Created.self).enabled == false
                        }
                    })
                // Three failed attempts in a row, then no more requests.
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.requests.withLock { $0.count } == 3)
                let log = try await deliveries(client, webhook: webhook.id)
                #expect(log.allSatisfy { $0.state == "failed" }, "pending deliveries are dropped with the webhook")
                // The event log says so.
                struct Page: Decodable { var events: [Document] }
                let disabled = try await client.execute(uri: "/api/v1/tenants/acme/events?type=webhook.disabled", method: .get) {
                    try $0.json(Page.self).events
                }
                #expect(disabled.map(\.subject) == ["webhook:\(webhook.id)"])
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains(#"aegis_webhooks_disabled_total{tenant="acme"} 1"#))

                // Enabled again, it takes new events.
                try await client.execute(
                    uri: "/api/v1/tenants/acme/webhooks/\(webhook.id)", method: .patch, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"enabled":true}"#)
                ) { #expect($0.status == .ok) }
                _ = try await client.pushImage(to: "acme/app", tag: "v4")
                #expect(try await eventually { receiver.requests.withLock { $0.count } > 3 })
            }
        }
    }

    /// A refused connection failed only at the attempt's deadline (the HTTP client retried the
    /// connection until then): 10 s per attempt to a dead endpoint.
    @Test func aRefusedConnectionFailsTheAttemptAtOnce() async throws {
        var registry = try registry()
        registry.configuration.events.webhookMaxAttempts = 1
        registry.configuration.events.webhookTimeoutSeconds = 30
        defer { registry.remove() }
        let closed = try freePort()
        try await registry.run { client in
            let webhook = try await create(client, #"{"url":"http://127.0.0.1:\#(closed)/hook"}"#).json(Created.self)
            try await client.execute(
                uri: "/api/v1/tenants/acme/storage/quota", method: .put, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"quota":1000}"#)
            ) { #expect($0.status == .ok) }
            #expect(try await eventually { try await deliveries(client, webhook: webhook.id).contains { $0.state == "failed" } })
            let failed = try #require(try await deliveries(client, webhook: webhook.id).first { $0.state == "failed" })
            #expect((failed.latencyMs ?? .infinity) < 5000, "failed after \(failed.latencyMs ?? -1) ms")
        }
    }

    @Test func targetsOnLoopbackPrivateOrLinkLocalAddressesAreRefused() async throws {
        let registry = try registry(allowPrivate: false)
        defer { registry.remove() }
        try await registry.run { client in
            for url in [
                "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/",
                "http://[::1]/hook", "http://[::ffff:192.168.0.1]/", "http://0.0.0.0/",
            ] {
                let response = try await create(client, #"{"url":"\#(url)"}"#)
                #expect(response.status == .badRequest, "\(url)")
                #expect(String(buffer: response.body).contains(#""reason":"webhook_target_forbidden""#), "\(url)")
            }
            for (body, code, expected) in [
                (#"{"url":"ftp://example.com/"}"#, "invalid_request", "http://"),
                (#"{"url":"http://user:pw@example.com/"}"#, "invalid_request", "credentials"),
                // Found by schemathesis: URLComponents takes hosts no DNS name or address has.
                (#"{"url":"http://vW*"}"#, "invalid_request", "host"),
                (#"{"url":"http://exa_mple.com/"}"#, "invalid_request", "host"),
                (#"{"url":"http://example.com/","types":["nonsense.happened"]}"#, "invalid_request", "nonsense.happened"),
                (#"{"url":"http://example.com/","secret":"short"}"#, "invalid_request", "whsec_"),
                (#"{"url":"http://example.com/","colour":"red"}"#, "bad_request", "unknown members"),
                (#"{"url":"http://example.com/","types":["tag.moved","tag.moved"]}"#, "invalid_request", "listed twice"),
            ] {
                let response = try await create(client, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(String(buffer: response.body).contains(#""code":"\#(code)""#), "\(body)")
                #expect(String(buffer: response.body).contains(expected), "\(body)")
            }
        }
    }

    @Test func theEventLogPagesATenantsEventsInOrderAndFiltersByType() async throws {
        let registry = try registry()
        defer { registry.remove() }
        try await registry.run { client in
            _ = try await client.pushImage(to: "acme/app", tag: "v1")
            _ = try await client.pushImage(to: "globex/app", tag: "v1")
            struct Page: Decodable {
                var events: [Document]
                var next: Int64?
            }
            let all = try await client.execute(uri: "/api/v1/tenants/acme/events?limit=1000", method: .get) { try $0.json(Page.self) }
            let ids = all.events.compactMap { Int64($0.id) }
            #expect(!ids.isEmpty && ids == ids.sorted() && all.events.allSatisfy { $0.tenant == "acme" })
            #expect(all.next == ids.last)
            var paged: [Int64] = []
            var after: Int64 = 0
            for _ in 0..<50 {
                let page = try await client.execute(uri: "/api/v1/tenants/acme/events?limit=2&after=\(after)", method: .get) {
                    try $0.json(Page.self)
                }
                paged += page.events.compactMap { Int64($0.id) }
                if page.events.isEmpty { break }
                after = page.next ?? after
            }
            #expect(paged == ids)
            let tags = try await client.execute(uri: "/api/v1/tenants/acme/events?type=tag.moved,manifest.pushed", method: .get) {
                try $0.json(Page.self).events
            }
            #expect(tags.map(\.type) == ["org.aegisguard.manifest.pushed", "org.aegisguard.tag.moved"])
            // The registry-wide log has both tenants; a bad type is a 400.
            let everything = try await client.execute(uri: "/api/v1/events?limit=1000", method: .get) { try $0.json(Page.self).events }
            #expect(Set(everything.compactMap(\.tenant)) == ["acme", "globex"])
            // An empty type (the contract test's `?type=`, accepted before) is as bad as an unknown one.
            for bad in ["bogus", "", "tag.moved,,manifest.pushed", "tag.moved,"] {
                try await client.execute(uri: "/api/v1/events?type=\(bad)", method: .get) {
                    #expect($0.status == .badRequest && String(buffer: $0.body).contains(#""code":"bad_request""#), "type=\(bad)")
                }
            }
            try await client.execute(uri: "/api/v1/tenants/acme/events?type=tag.moved,manifest.pushed", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/tenants/acme/events?after=-1", method: .get) { #expect($0.status == .badRequest) }
        }
    }
}

/// The address classification behind the SSRF guard.
@Suite struct WebhookTargetTests {
    @Test(arguments: [
        ("127.0.0.1", false), ("10.0.0.1", false), ("172.16.5.4", false), ("172.32.0.1", true), ("192.168.1.1", false),
        ("169.254.169.254", false), ("100.64.0.1", false), ("0.0.0.0", false), ("224.0.0.1", false), ("255.255.255.255", false),
        ("8.8.8.8", true), ("1.1.1.1", true), ("::1", false), ("::", false), ("fe80::1", false), ("fd00::1", false), ("ff02::1", false),
        ("::ffff:127.0.0.1", false), ("::ffff:8.8.8.8", true), ("2001:db8::1", false), ("2606:4700:4700::1111", true),
    ])
    func addressesArePublicOnlyOutsideReservedRanges(address: String, public expected: Bool) throws {
        #expect(WebhookTargetPolicy.isPublic(try SocketAddress(ipAddress: address, port: 80)) == expected)
    }

    @Test func aNameResolvingToAnyPrivateAddressIsRefused() async throws {
        let policy = WebhookTargetPolicy(allowPrivate: false) { _, _ in
            [try SocketAddress(ipAddress: "93.184.216.34", port: 80), try SocketAddress(ipAddress: "10.0.0.7", port: 80)]
        }
        await #expect(throws: OperationError(.invalidRequest, "", reason: "webhook_target_forbidden")) {
            do { try await policy.check("http://rebind.example/") } catch var error as OperationError {
                error.message = ""
                throw error
            }
        }
        let open = WebhookTargetPolicy(allowPrivate: false) { _, _ in [try SocketAddress(ipAddress: "93.184.216.34", port: 443)] }
        try await open.check("https://example.com/hook")
    }
}
