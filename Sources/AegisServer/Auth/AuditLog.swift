import AegisStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Records waiting to be written in batches (audit records, gas charges). Requests only append to
/// memory; a background service writes them, so recording costs no transaction per request.
final class BatchLog<Element: Sendable>: Sendable {
    private let pending = Mutex<[Element]>([])
    /// Beyond this many unwritten records the oldest are dropped (and counted) rather than letting
    /// memory grow without bound while the store is unavailable.
    private let capacity: Int
    private let dropped = Mutex<Int>(0)

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func record(_ element: Element) {
        let overflow = pending.withLock { pending -> Bool in
            pending.append(element)
            guard pending.count > capacity else { return false }
            pending.removeFirst(pending.count - capacity)
            return true
        }
        if overflow { dropped.withLock { $0 += 1 } }
    }

    func drain() -> [Element] {
        pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    /// Puts back records a failed write took, ahead of newer ones, so a retry writes them.
    func restore(_ elements: [Element]) {
        guard !elements.isEmpty else { return }
        pending.withLock { pending in pending.insert(contentsOf: elements, at: 0) }
    }

    /// Records dropped since the last call.
    func takeDropped() -> Int {
        dropped.withLock { count in
            defer { count = 0 }
            return count
        }
    }
}

/// Authorization decisions waiting to be written.
typealias AuditLog = BatchLog<AuditRecord>

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
