import AegisOperations
import AegisStore
import Foundation
import Logging
import ServiceLifecycle

/// Writes the audit log's pending records every `interval`, and once more at shutdown; once an
/// hour deletes records older than the retention period.
struct AuditService: Service {
    let log: AuditLog
    let store: any IdentityStore
    let interval: Duration
    let retentionDays: Int
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                await flush()
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    await prune()
                    lastPrune = ContinuousClock.now
                }
                try await Task.sleep(for: interval)
            }
        }
        // The group cancels its services on shutdown, and a cancelled task cannot write to the
        // database; the last flush runs in a task of its own so that nothing pending is lost.
        await Task.detached { await flush() }.value
    }

    func prune() async {
        do {
            let removed = try await store.pruneAudit(olderThan: Date().addingTimeInterval(-Double(retentionDays) * 86400))
            if removed > 0 { logger.info("pruned audit records", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("audit pruning failed", metadata: ["error": "\(error)"])
        }
    }

    func flush() async {
        let records = log.drain()
        do {
            try await store.appendAudit(records)
        } catch {
            log.restore(records)
            logger.error("audit records could not be written yet", metadata: ["count": "\(records.count)", "error": "\(error)"])
        }
        let dropped = log.takeDropped()
        if dropped > 0 { logger.error("audit records dropped: buffer full", metadata: ["count": "\(dropped)"]) }
    }
}
