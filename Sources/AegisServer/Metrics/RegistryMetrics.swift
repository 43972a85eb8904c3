import AegisCore
import AegisGas
import Foundation
import Prometheus

/// The Prometheus metrics of one server, in its own collector registry (not the process-wide
/// swift-metrics bootstrap, so several servers — tests — can live in one process).
struct RegistryMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(5), .seconds(30),
    ]

    func requestFinished(endpoint: String, method: String, status: Int, duration: Duration, requestBytes: Int64, responseBytes: Int64) {
        let labels = [("endpoint", endpoint), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(namespace: "aegis", subsystem: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests"),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "aegis", subsystem: "http", metricName: "request_duration", unitName: "seconds", helpText: "Time to the response head"),
            labels: [("endpoint", endpoint), ("method", method)], buckets: Self.buckets
        ).record(duration)
        if requestBytes > 0 {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "http", metricName: "request", unitName: "bytes_total", helpText: "Bytes received"),
                labels: labels
            ).increment(by: requestBytes)
        }
        if responseBytes > 0 {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "http", metricName: "response", unitName: "bytes_total", helpText: "Bytes sent"),
                labels: labels
            ).increment(by: responseBytes)
        }
    }

    func gasCharged(_ reading: GasReading, tenant: TenantID, operation: GasOperation, remaining: UInt64?) {
        registry.makeCounter(
            descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "used", unitName: "total", helpText: "Gas charged"),
            labels: [("tenant", tenant.value), ("operation", operation.rawValue)]
        ).increment(by: Int64(clamping: reading.used))
        if reading.exhausted {
            registry.makeCounter(
                descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "out_of_gas", unitName: "total", helpText: "Requests out of gas"),
                labels: [("tenant", tenant.value)]
            ).increment()
        }
        if let remaining {
            registry.makeGauge(
                descriptor: .init(
                    namespace: "aegis", subsystem: "gas", metricName: "budget_remaining", unitName: "gas",
                    helpText: "Gas left in the tenant's monthly budget"),
                labels: [("tenant", tenant.value)]
            ).set(Double(remaining))
        }
    }

    func gasAnomaly(tenant: TenantID) {
        registry.makeCounter(
            descriptor: .init(
                namespace: "aegis", subsystem: "gas", metricName: "anomalies", unitName: "total", helpText: "Intervals of anomalous gas use"),
            labels: [("tenant", tenant.value)]
        ).increment()
    }

    /// The exposition text, with gauges read at scrape time.
    func render(baseFee: UInt64) -> [UInt8] {
        registry.makeGauge(
            descriptor: .init(namespace: "aegis", subsystem: "gas", metricName: "base_fee", unitName: "nano_credits", helpText: "Base fee per gas")
        ).set(Double(baseFee))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
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
        if path.hasPrefix("/metrics") { return "metrics" }
        return "other"
    }
}
