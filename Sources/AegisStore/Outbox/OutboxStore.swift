import AegisCore
import Foundation

/// Reading, marking and pruning the outbox (the publishers, the event-log API, retention).
public protocol OutboxStore: Sendable {
    /// Events with ids above `after`, in id order, at most `limit`: of one tenant when `tenant` is
    /// set (registry-wide events have none), of the `types` when not empty.
    func events(after: Int64?, tenant: TenantID?, types: Set<OutboxEvent.Kind>, limit: Int) async throws -> [OutboxEvent]
    /// Events not yet published, oldest first, at most `limit`.
    func unpublishedEvents(limit: Int) async throws -> [OutboxEvent]
    /// Marks events as delivered.
    func markPublished(_ ids: [Int64], at date: Date) async throws
    /// The id of the newest event, nil when there is none (where a reader starts that wants only what comes next).
    func latestEventID() async throws -> Int64?
    /// How many events wait for the publisher, and the time of the oldest of them.
    func outboxBacklog() async throws -> OutboxBacklog
    /// Rings after each commit of this process that wrote events.
    var commits: OutboxSignal { get }
    /// Deletes the events older than `cutoff` that the webhooks are done with (fanned out, no
    /// delivery pending); published or not, so a publisher away for longer loses them.
    func pruneEvents(before cutoff: Date) async throws -> PrunedEvents
}

extension OutboxStore {
    /// Every event with an id above `after`, in id order, at most `limit`.
    public func events(after: Int64?, limit: Int) async throws -> [OutboxEvent] {
        try await events(after: after, tenant: nil, types: [], limit: limit)
    }
}

/// What waits for the publisher.
public struct OutboxBacklog: Sendable, Hashable {
    public var pending: Int
    /// When the oldest unpublished event happened; nil when none waits.
    public var oldest: Date?

    public init(pending: Int, oldest: Date?) {
        self.pending = pending
        self.oldest = oldest
    }
}

/// What retention deleted.
public struct PrunedEvents: Sendable, Hashable {
    public var deleted: Int
    /// Of those, how many had not been published.
    public var unpublished: Int

    public init(deleted: Int, unpublished: Int) {
        self.deleted = deleted
        self.unpublished = unpublished
    }
}

/// The webhooks' configuration and delivery log, read outside a unit of work.
public protocol WebhookStore: Sendable {
    /// The tenant's webhooks, by id.
    func webhooks(of tenant: TenantID) async throws -> [WebhookRecord]
    /// One webhook's deliveries, newest first, ids below `before`, at most `limit`.
    func deliveries(ofWebhook id: Int64, before: Int64?, limit: Int) async throws -> [WebhookDeliveryRecord]
    /// Pending deliveries of enabled webhooks due at `now`, with their webhook and event, the earliest due first.
    func dueDeliveries(at now: Date, limit: Int) async throws -> [DueDelivery]
}
