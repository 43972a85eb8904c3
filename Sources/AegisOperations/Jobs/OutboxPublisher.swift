import AegisStore
import Foundation
import Logging

/// Where published events go (NATS JetStream in the server; tests pass their own).
public protocol EventSink: Sendable {
    /// Delivers `events` in order and returns how many, from the front, were delivered for sure
    /// (acknowledged); the rest are offered again on the next call.
    func deliver(_ events: [OutboxEvent]) async -> Int
}

/// Moves the transactional outbox to a sink: the oldest unpublished events first, in batches, and
/// marks an event published only once the sink acknowledged it. Delivery is at least once (a crash
/// between the acknowledgement and the mark offers the event again, and JetStream drops the
/// repeat by its message id); nothing is skipped. On a cluster it runs on the leader only.
public struct OutboxPublisher: Sendable {
    let store: any MetadataStore
    let sink: any EventSink
    let batch: Int
    let observer: any EventObserver
    let logger: Logger

    public init(store: any MetadataStore, sink: any EventSink, batch: Int = 512, observer: any EventObserver = NoEventObserver(), logger: Logger) {
        self.store = store
        self.sink = sink
        self.batch = batch
        self.observer = observer
        self.logger = logger
    }

    /// Publishes until nothing is pending or the sink stops acknowledging.
    /// - Returns: how many events were published.
    @discardableResult
    public func publishPending() async -> Int {
        var published = 0
        while true {
            let events: [OutboxEvent]
            do {
                events = try await store.unpublishedEvents(limit: batch)
            } catch {
                logger.error("the outbox could not be read", metadata: ["error": "\(error)"])
                return published
            }
            guard !events.isEmpty else { return published }
            let delivered = await sink.deliver(events)
            let ids = events.prefix(delivered).compactMap(\.id)
            do {
                try await store.markPublished(ids, at: Date())
            } catch {
                // Offered again next time; the sink drops the repeats.
                logger.error("published events could not be marked", metadata: ["error": "\(error)"])
                return published
            }
            published += ids.count
            observer.published(ids.count, failed: delivered < events.count)
            if delivered < events.count || events.count < batch { return published }
        }
    }
}
