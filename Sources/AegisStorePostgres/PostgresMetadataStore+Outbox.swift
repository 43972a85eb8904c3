import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let eventColumns = "id, time, tenant, type, subject, payload, published_at"

    public func events(after: Int64?, limit: Int) async throws -> [OutboxEvent] {
        try await rows("SELECT \(unescaped: Self.eventColumns) FROM outbox WHERE id > \(after ?? 0) ORDER BY id LIMIT \(limit)")
            .map(Self.event(from:))
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

    static func event(from row: PostgresRow) throws -> OutboxEvent {
        let (id, time, tenant, type, subject, payload, publishedAt) = try row.decode(
            (Int64, Double, String?, String, String, String, Double?).self)
        return OutboxEvent(
            tenant: tenant.flatMap { try? TenantID($0) }, type: OutboxEvent.Kind(rawValue: type), subject: subject,
            payload: (try? JSONDecoder().decode([String: JSONScalar].self, from: Data(payload.utf8))) ?? [:],
            time: Date(timeIntervalSince1970: time), id: id, publishedAt: publishedAt.map(Date.init(timeIntervalSince1970:)))
    }
}
