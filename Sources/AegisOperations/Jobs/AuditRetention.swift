import AegisStore
import Foundation
import Logging

/// Deletes audit records older than the retention period (`auth.audit_retention_days`).
public struct AuditRetention: Sendable {
    let store: any IdentityStore
    let retentionDays: Int
    let logger: Logger

    public init(store: any IdentityStore, retentionDays: Int, logger: Logger) {
        self.store = store
        self.retentionDays = retentionDays
        self.logger = logger
    }

    public func prune(now: Date = Date()) async {
        do {
            let removed = try await store.pruneAudit(olderThan: now.addingTimeInterval(-Double(retentionDays) * 86400))
            if removed > 0 { logger.info("pruned audit records", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("audit pruning failed", metadata: ["error": "\(error)"])
        }
    }
}
