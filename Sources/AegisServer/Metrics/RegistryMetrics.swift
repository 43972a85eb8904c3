import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisRegistry
import AegisStore
import Foundation
import Prometheus
import Synchronization

/// The Prometheus metrics of one server, in its own collector registry (not the process-wide
/// swift-metrics bootstrap, so several servers — tests — can live in one process).
struct RegistryMetrics: UsageObserver {
    let registry = PrometheusCollectorRegistry()
    /// Collectors by label values: looked up once, then reused on every request.
    private let requestCollectors = CollectorCache<RequestKey, RequestCollectorSet>()
    private let gasCounters = CollectorCache<GasKey, Counter>()
    private let budgetGauges = CollectorCache<TenantID, Gauge>()
    private let wasmCollectors = CollectorCache<WasmRunKey, WasmRunCollectors>()
    /// The login counts last exported: counters only grow, so a scrape adds what is new.
    private let exportedLogins = Exported(LoginMetrics(throttle: .init(), hashes: 0))
    private let webhookCounters = CollectorCache<WebhookKey, Counter>()
    private let decisionCounters = CollectorCache<String, Counter>()
    private let carbonCollectors = CollectorCache<String, CarbonCollectors>()
    let eventCollectors: EventCollectors
    private static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(5), .seconds(30),
    ]

    init() {
        eventCollectors = EventCollectors(registry, buckets: Self.buckets)
    }

    func requestFinished(endpoint: String, method: String, status: Int, duration: Duration, requestBytes: Int64, responseBytes: Int64) {
        let collectors = requestCollectors.value(RequestKey(endpoint: endpoint, method: method, status: status)) {
            let labels = [("endpoint", endpoint), ("method", method), ("status", String(status))]
            return RequestCollectorSet(
                requests: registry.makeCounter(
                    descriptor: .init(namespace: "aegis", subsystem: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests"),
                    labels: labels),
                // OTel's `http.server.request.duration`, by its Prometheus name and attribute labels.
                duration: registry.makeDurationHistogram(
                    descriptor: .init(
                        namespace: "http", subsystem: "server", metricName: "request_duration", unitName: "seconds",
                        helpText: "Time to the response head"),
                    labels: [
                        ("http_request_method", method), ("http_route", Self.route(ofEndpoint: endpoint)),
                        ("http_response_status_code", String(status)),
                    ], buckets: Self.buckets),
                requestBytes: registry.makeCounter(
                    descriptor: .init(
                        namespace: "aegis", subsystem: "http", metricName: "request", unitName: "bytes_total", helpText: "Bytes received"),
                    labels: labels),
                responseBytes: registry.makeCounter(
                    descriptor: .init(namespace: "aegis", subsystem: "http", metricName: "response", unitName: "bytes_total", helpText: "Bytes sent"),
                    labels: labels))
        }
        collectors.requests.increment()
        collectors.duration.record(duration)
        if requestBytes > 0 { collectors.requestBytes.increment(by: requestBytes) }
        if responseBytes > 0 { collectors.responseBytes.increment(by: responseBytes) }
    }

    func observe(_ usage: UsageRecord, remaining: UInt64?) {
        let (tenant, operation) = (usage.tenant, usage.operation)
        gasCounters.value(GasKey(tenant: tenant, operation: operation)) {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "used", unitName: "total", helpText: "Gas charged"),
                labels: [("tenant", tenant.value), ("operation", operation.rawValue)])
        }.increment(by: Int64(clamping: usage.gasUsed))
        if usage.outOfGas {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "out_of_gas", unitName: "total", helpText: "Requests out of gas"),
                labels: [("tenant", tenant.value)]
            ).increment()
        }
        if let remaining {
            budgetGauges.value(tenant) {
                registry.makeGauge(
                    descriptor: .init(
                        namespace: "aegis", subsystem: "gas", metricName: "budget_remaining", unitName: "gas",
                        helpText: "Gas left in the tenant's monthly budget"),
                    labels: [("tenant", tenant.value)])
            }.set(Double(remaining))
        }
    }

    /// A carbon row: the tenant's energy (joules) and emissions (grams, operational and embodied).
    func observe(_ carbon: CarbonCharge) {
        let collectors = carbonCollectors.value(carbon.tenant) {
            let tenant = [("tenant", carbon.tenant)]
            let emissions = { (scope: String) in
                registry.makeCounter(
                    descriptor: .init(
                        namespace: "aegis", subsystem: "carbon", metricName: "emissions", unitName: "grams_total",
                        helpText: "CO2e attributed to the tenant, operational (energy × grid intensity) or embodied"),
                    labels: tenant + [("scope", scope)])
            }
            return CarbonCollectors(
                energy: registry.makeCounter(
                    descriptor: .init(
                        namespace: "aegis", subsystem: "carbon", metricName: "energy", unitName: "joules_total",
                        helpText: "Energy attributed to the tenant, PUE included"),
                    labels: tenant),
                operational: emissions("operational"), embodied: emissions("embodied"))
        }
        collectors.energy.increment(by: Double(carbon.energyMicrojoules) / 1e6)
        collectors.operational.increment(by: Double(carbon.operationalNanograms) / 1e9)
        collectors.embodied.increment(by: Double(carbon.embodiedNanograms) / 1e9)
    }

    /// A finished WASM run: counted by tenant, trigger (`api`, `wagi`) and result kind, its fuel
    /// summed per tenant, its duration in a histogram per trigger.
    func observe(_ run: RunRecord, duration: Duration) {
        let (tenant, trigger, status, fuel) = (run.tenant, run.trigger, run.status, run.fuelUsed)
        let collectors = wasmCollectors.value(WasmRunKey(tenant: tenant, trigger: trigger, status: status)) {
            WasmRunCollectors(
                runs: registry.makeCounter(
                    descriptor: .init(namespace: "aegis", subsystem: "wasm", metricName: "runs", unitName: "total", helpText: "WASM runs by result"),
                    labels: [("tenant", tenant), ("trigger", trigger), ("status", status)]),
                fuel: registry.makeCounter(
                    descriptor: .init(namespace: "aegis", subsystem: "wasm", metricName: "fuel", unitName: "total", helpText: "WASM fuel consumed"),
                    labels: [("tenant", tenant)]),
                duration: registry.makeDurationHistogram(
                    descriptor: .init(
                        namespace: "aegis", subsystem: "wasm", metricName: "run_duration", unitName: "seconds",
                        helpText: "WASM run time (instantiate and _start)"),
                    labels: [("trigger", trigger)], buckets: Self.buckets))
        }
        collectors.runs.increment()
        collectors.fuel.increment(by: Int64(clamping: fuel))
        collectors.duration.record(duration)
    }

    /// A `/v2` or app request's access decision: allowed, or refused and why (the refusal's kind:
    /// `authenticationRequired`, `denied`, `invalidToken`, `throttled`, …).
    func accessDecided(allowed: Bool, reason: String) {
        decisionCounters.value(reason) {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "aegis", subsystem: "access", metricName: "decisions", unitName: "total",
                    helpText: "Access decisions on /v2 and apps, by outcome"),
                labels: [("decision", allowed ? "allow" : "deny"), ("reason", reason)])
        }.increment()
    }

    func observeAnomaly(tenant: TenantID) {
        registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "gas", metricName: "anomalies", unitName: "total", helpText: "Intervals of anomalous gas use"),
            labels: [("tenant", tenant.value)]
        ).increment()
    }

    /// The exposition text, with gauges and the login counters read at scrape time, and the outbox
    /// backlog when a publisher should be draining it.
    func render(baseFee: UInt64, logins: LoginMetrics, backlog: OutboxBacklog?, now: Date = Date()) -> [UInt8] {
        if let backlog {
            registry.makeGauge(
                descriptor: .init(
                    namespace: "aegis", subsystem: "events", metricName: "outbox", unitName: "pending",
                    helpText: "Events the publisher has not yet taken")
            ).set(Double(backlog.pending))
            registry.makeGauge(
                descriptor: .init(
                    namespace: "aegis", subsystem: "events", metricName: "outbox_lag", unitName: "seconds",
                    helpText: "Age of the oldest event the publisher has not yet taken (0 when none waits)")
            ).set(backlog.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
        registry.makeGauge(
            descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "base_fee", unitName: "nano_credits", helpText: "Base fee per gas")
        ).set(Double(baseFee))
        let before = exportedLogins.value.withLock { last in
            defer { last = logins }
            return last
        }
        func count(_ name: String, _ help: String, labels: [(String, String)] = [], _ value: Int, _ previous: Int) {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "login", metricName: name, unitName: "total", helpText: help), labels: labels
            ).increment(by: Int64(max(0, value - previous)))
        }
        count("password_hashes", "Password hashes computed (scrypt runs, decoys included)", logins.hashes, before.hashes)
        count("throttled", "Login attempts refused before any hash for too many failures", logins.throttle.throttled, before.throttle.throttled)
        count(
            "lockouts", "User names and client addresses locked for failed logins", labels: [("scope", "user")],
            logins.throttle.userLockouts, before.throttle.userLockouts)
        count(
            "lockouts", "User names and client addresses locked for failed logins", labels: [("scope", "address")],
            logins.throttle.addressLockouts, before.throttle.addressLockouts)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    /// The route template of an endpoint (OTel's `http.route`).
    static func route(ofEndpoint endpoint: String) -> String {
        switch endpoint {
        case "v2.base": "/v2/"
        case "v2.catalog": "/v2/_catalog"
        case "v2.tags": "/v2/{name}/tags/list"
        case "v2.uploads": "/v2/{name}/blobs/uploads/{reference}"
        case "v2.blobs": "/v2/{name}/blobs/{digest}"
        case "v2.manifests": "/v2/{name}/manifests/{reference}"
        case "v2.referrers": "/v2/{name}/referrers/{digest}"
        case "v2.other": "/v2/*"
        case "api": "/api/v1/*"
        case "apps": "/apps/{tenant}/{app}/*"
        case "token": "/token"
        case "metrics": "/metrics"
        default: "*"
        }
    }

    /// The tenant a path names (`/v2/<tenant>/…`, `/api/v1/tenants/<tenant>/…`, `/apps/<tenant>/…`),
    /// for logs and traces; nil for the others.
    static func tenant(ofPath path: String) -> String? {
        let parts = path.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: true)
        let candidate: Substring? =
            switch parts.first {
            case "v2": parts.count > 2 && parts[1] != "_catalog" ? parts[1] : nil
            case "api": parts.count > 3 && parts[1] == "v1" && parts[2] == "tenants" ? parts[3] : nil
            case "apps": parts.count > 1 ? parts[1] : nil
            default: nil
            }
        return candidate.flatMap { (try? TenantID(String($0)))?.value }
    }

    /// A low-cardinality name for the endpoint of a path.
    static func endpoint(of path: String) -> String {
        if path.hasPrefix("/v2") {
            if path == "/v2" || path == "/v2/" { return "v2.base" }
            if path.hasPrefix("/v2/_catalog") { return "v2.catalog" }
            if path.hasSuffix("/tags/list") { return "v2.tags" }
            if path.contains("/blobs/uploads") { return "v2.uploads" }
            if path.contains("/blobs/") { return "v2.blobs" }
            if path.contains("/manifests/") { return "v2.manifests" }
            if path.contains("/referrers/") { return "v2.referrers" }
            return "v2.other"
        }
        if path.hasPrefix("/api/") { return "api" }
        if path.hasPrefix("/token") { return "token" }
        if path.hasPrefix("/apps/") { return "apps" }
        if path.hasPrefix("/metrics") { return "metrics" }
        return "other"
    }
}

extension RegistryMetrics: EventObserver {
    func published(_ count: Int, failed: Bool) {
        eventCollectors.published.increment(by: Int64(count))
        if failed { eventCollectors.publishFailures.increment() }
    }

    func webhookAttempt(tenant: TenantID, delivered: Bool, duration: Duration) {
        let outcome = delivered ? "delivered" : "failed"
        webhookCounters.value(WebhookKey(tenant: tenant, outcome: outcome)) {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "aegis", subsystem: "webhook", metricName: "deliveries", unitName: "total",
                    helpText: "Webhook delivery attempts by outcome (delivered: a 2xx answer)"),
                labels: [("tenant", tenant.value), ("outcome", outcome)])
        }.increment()
        eventCollectors.webhookDuration.record(duration)
    }

    func webhookDisabled(tenant: TenantID) {
        registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "webhooks", metricName: "disabled", unitName: "total",
                helpText: "Webhooks disabled after failing too many times in a row"),
            labels: [("tenant", tenant.value)]
        ).increment()
    }

    func eventsDropped(_ count: Int) {
        eventCollectors.dropped.increment(by: Int64(count))
    }
}

/// The event collectors without labels, made with the metrics (so they are exported at 0).
struct EventCollectors: Sendable {
    let published: Counter
    let publishFailures: Counter
    let dropped: Counter
    let webhookDuration: DurationHistogram

    init(_ registry: PrometheusCollectorRegistry, buckets: [Duration]) {
        published = registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "events", metricName: "published", unitName: "total", helpText: "Events acknowledged by NATS JetStream"
            ))
        publishFailures = registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "events", metricName: "publish_failures", unitName: "total",
                helpText: "Publish batches NATS did not fully acknowledge (offered again)"))
        dropped = registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "events", metricName: "dropped", unitName: "total",
                helpText: "Events deleted by retention before the publisher took them"))
        webhookDuration = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "aegis", subsystem: "webhook", metricName: "delivery_duration", unitName: "seconds",
                helpText: "Time from a webhook request to its answer"),
            buckets: buckets)
    }
}

struct WebhookKey: Hashable, Sendable {
    let tenant: TenantID
    let outcome: String
}

/// What the identity service counted about logins, read at scrape time.
struct LoginMetrics: Sendable {
    var throttle: LoginThrottle.Statistics
    var hashes: Int
}

/// A value shared by the copies of the metrics struct.
private final class Exported<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
}

/// Collectors by label values, created on first use: a registry lookup builds names and sorts
/// labels, too slow for every request.
final class CollectorCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: Value]>([:])

    func value(_ key: Key, make: () -> Value) -> Value {
        if let existing = values.withLock({ $0[key] }) { return existing }
        let made = make()
        values.withLock { $0[key] = made }
        return made
    }
}

/// The HTTP collectors of one (endpoint, method, status).
struct RequestCollectorSet: Sendable {
    let requests: Counter
    let duration: DurationHistogram
    let requestBytes: Counter
    let responseBytes: Counter
}

struct RequestKey: Hashable, Sendable {
    let endpoint: String
    let method: String
    let status: Int
}

struct WasmRunKey: Hashable, Sendable {
    let tenant: String
    let trigger: String
    let status: String
}

struct WasmRunCollectors: Sendable {
    let runs: Counter
    let fuel: Counter
    let duration: DurationHistogram
}

struct GasKey: Hashable, Sendable {
    let tenant: TenantID
    let operation: GasOperation
}

extension RegistryMetrics: CollectionObserver {
    func collected(_ report: CollectionReport?, duration: Duration) {
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "aegis", subsystem: "gc", metricName: name, unitName: "total", helpText: help))
        }
        guard let report else {
            counter("failures", "Garbage collections that failed (the next one tries again)").increment()
            return
        }
        counter("runs", "Garbage collections finished").increment()
        counter("links_removed", "Blob links garbage collection removed").increment(by: Int64(report.linksRemoved))
        counter("blobs_removed", "Blobs garbage collection removed, bytes and all").increment(by: Int64(report.blobsRemoved))
        registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "gc", metricName: "freed", unitName: "bytes_total", helpText: "Bytes garbage collection freed")
        ).increment(by: report.bytesFreed)
        registry.makeGauge(
            descriptor: .init(
                namespace: "aegis", subsystem: "gc", metricName: "last_duration", unitName: "seconds",
                helpText: "How long the last garbage collection took")
        ).set(duration.seconds)
    }
}

/// One tenant's carbon counters.
struct CarbonCollectors: Sendable {
    let energy: Counter
    let operational: Counter
    let embodied: Counter
}
