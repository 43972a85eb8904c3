import AegisCore
import AegisRegistry
import AegisStore
import Foundation
import Logging

/// What garbage collection reports besides its logs (the server's Prometheus metrics).
public protocol CollectionObserver: Sendable {
    /// One collection that finished (nil report: it failed).
    func collected(_ report: CollectionReport?, duration: Duration)
}

public struct NoCollectionObserver: CollectionObserver {
    public init() {}
    public func collected(_ report: CollectionReport?, duration: Duration) {}
}

/// Retention, then garbage collection, on a schedule (`gc.interval_seconds`), on the leader: each
/// tenant's retention rules are applied (`RetentionOperations.apply`), then `Registry.collectGarbage`
/// frees what is left unreferenced. A run that freed something writes `gc.finished`.
public struct GarbageCollection: Sendable {
    let registry: Registry
    let grace: TimeInterval
    let observer: any CollectionObserver
    let logger: Logger

    public init(registry: Registry, grace: TimeInterval, observer: any CollectionObserver, logger: Logger) {
        self.registry = registry
        self.grace = grace
        self.observer = observer
        self.logger = logger
    }

    /// One collection; failures are logged and counted, never thrown (the next run tries again).
    public func run() async {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for tenant in try await registry.metadata.tenants() {
                let done = try await RetentionOperations.apply(to: tenant.name, registry: registry)
                if !done.tags.isEmpty || !done.manifests.isEmpty {
                    logger.notice(
                        "retention applied",
                        metadata: ["tenant": "\(tenant.name)", "tags": "\(done.tags.count)", "manifests": "\(done.manifests.count)"])
                }
            }
            let report = try await registry.collectGarbage(grace: grace)
            observer.collected(report, duration: clock.now - start)
            guard report.linksRemoved > 0 || report.blobsRemoved > 0 else { return }
            try await Self.record(report, in: registry.metadata)
            logger.notice(
                "garbage collected",
                metadata: [
                    "links": "\(report.linksRemoved)", "blobs": "\(report.blobsRemoved)", "bytes": "\(report.bytesFreed)",
                    "seconds": "\((clock.now - start).seconds)",
                ])
        } catch is CancellationError {
            return
        } catch {
            observer.collected(nil, duration: clock.now - start)
            logger.error("garbage collection failed", metadata: ["error": "\(error)"])
        }
    }

    /// The registry-wide event of a collection that removed something.
    public static func record(_ report: CollectionReport, in store: any MetadataStore) async throws {
        try await store.transaction { tx in
            try tx.append(
                OutboxEvent(
                    tenant: nil, type: .collectionFinished, subject: "gc",
                    payload: [
                        "links": .integer(Int64(report.linksRemoved)), "blobs": .integer(Int64(report.blobsRemoved)),
                        "bytes": .integer(report.bytesFreed),
                    ], time: tx.now))
        }
    }
}
