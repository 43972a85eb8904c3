import AegisStore
import Foundation
import Logging

/// Deletes outbox events older than the retention period (`events.retention_days`) once the
/// webhooks are done with them. With a publisher configured, an event it never took is lost to it:
/// counted and logged.
public struct EventRetention: Sendable {
    let store: any OutboxStore
    let retentionDays: Int
    /// Whether a publisher (NATS) should have taken every event.
    let publishing: Bool
    let observer: any EventObserver
    let logger: Logger

    public init(store: any OutboxStore, retentionDays: Int, publishing: Bool, observer: any EventObserver, logger: Logger) {
        self.store = store
        self.retentionDays = retentionDays
        self.publishing = publishing
        self.observer = observer
        self.logger = logger
    }

    public func prune(now: Date = Date()) async {
        guard retentionDays > 0 else { return }
        do {
            let pruned = try await store.pruneEvents(before: now.addingTimeInterval(-Double(retentionDays) * 86400))
            if pruned.deleted > 0 { logger.info("pruned outbox events", metadata: ["count": "\(pruned.deleted)"]) }
            if publishing, pruned.unpublished > 0 {
                observer.eventsDropped(pruned.unpublished)
                logger.warning(
                    "events older than the retention were deleted before the publisher took them",
                    metadata: ["count": "\(pruned.unpublished)", "retention-days": "\(retentionDays)"])
            }
        } catch {
            logger.error("event pruning failed", metadata: ["error": "\(error)"])
        }
    }
}
