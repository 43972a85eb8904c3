import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let eventColumns = "id, time, tenant, type, subject, payload, published_at, traceparent"

    public func events(after: Int64?, tenant: TenantID?, types: Set<OutboxEvent.Kind>, limit: Int) async throws -> [OutboxEvent] {
        let types = types.map(\.rawValue).sorted()
        return try await rows(
            """
            SELECT \(unescaped: Self.eventColumns) FROM outbox
            WHERE id > \(after ?? 0) AND (\(tenant?.value)::text IS NULL OR tenant = \(tenant?.value)::text)
                AND (cardinality(\(types)::text[]) = 0 OR type = ANY(\(types)::text[]))
            ORDER BY id LIMIT \(limit)
            """
        ).map(Self.event(from:))
    }

    public func unpublishedEvents(limit: Int) async throws -> [OutboxEvent] {
        try await rows("SELECT \(unescaped: Self.eventColumns) FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT \(limit)")
            .map(Self.event(from:))
    }

    public func markPublished(_ ids: [Int64], at date: Date) async throws {
        guard !ids.isEmpty else { return }
        try await execute("UPDATE outbox SET published_at = \(date.timeIntervalSince1970) WHERE id = ANY(\(ids))")
    }

    public func latestEventID() async throws -> Int64? {
        try await value("SELECT max(id) FROM outbox", as: Int64.self)
    }

    public func outboxBacklog() async throws -> OutboxBacklog {
        guard let row = try await rows("SELECT count(*), min(time) FROM outbox WHERE published_at IS NULL").first else {
            return OutboxBacklog(pending: 0, oldest: nil)
        }
        let (pending, oldest) = try row.decode((Int64, Double?).self)
        return OutboxBacklog(pending: Int(pending), oldest: oldest.map(Date.init(timeIntervalSince1970:)))
    }

    public func pruneEvents(before cutoff: Date) async throws -> PrunedEvents {
        let counted = try await rows(
            """
            WITH pruned AS (
                DELETE FROM outbox WHERE time < \(cutoff.timeIntervalSince1970) AND dispatched_at IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = outbox.id AND d.state = 'pending')
                RETURNING published_at)
            SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM pruned
            """
        ).first
        guard let (deleted, unpublished) = try counted?.decode((Int64, Int64).self) else { return PrunedEvents(deleted: 0, unpublished: 0) }
        return PrunedEvents(deleted: Int(deleted), unpublished: Int(unpublished))
    }

    static func event(from row: PostgresRow) throws -> OutboxEvent {
        let (id, time, tenant, type, subject, payload, publishedAt, traceparent) = try row.decode(
            (Int64, Double, String?, String, String, String, Double?, String?).self)
        return OutboxEvent(
            tenant: tenant.flatMap { try? TenantID($0) }, type: OutboxEvent.Kind(rawValue: type), subject: subject,
            payload: (try? JSONDecoder().decode([String: JSONScalar].self, from: Data(payload.utf8))) ?? [:],
            time: Date(timeIntervalSince1970: time), id: id, publishedAt: publishedAt.map(Date.init(timeIntervalSince1970:)),
            traceparent: traceparent)
    }
}
