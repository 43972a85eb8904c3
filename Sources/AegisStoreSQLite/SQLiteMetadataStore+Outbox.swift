import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func events(after: Int64?, limit: Int) async throws -> [OutboxEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?"), arguments: [after ?? 0, limit]
            ).compactMap(Self.event(from:))
        }
    }

    public func unpublishedEvents(limit: Int) async throws -> [OutboxEvent] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ?"), arguments: [limit])
                .compactMap(Self.event(from:))
        }
    }

    public func markPublished(_ ids: [Int64], at date: Date) async throws {
        guard !ids.isEmpty else { return }
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET published_at = ? WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
                arguments: StatementArguments([date.timeIntervalSince1970] + ids.map { $0 as any DatabaseValueConvertible }))
        }
    }

    public func latestEventID() async throws -> Int64? {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM outbox") }
    }

    static func event(from row: Row) -> OutboxEvent? {
        let payload = (row["payload"] as String?).flatMap { try? JSONDecoder().decode([String: JSONScalar].self, from: Data($0.utf8)) }
        return OutboxEvent(
            tenant: (row["tenant"] as String?).flatMap { try? TenantID($0) }, type: OutboxEvent.Kind(rawValue: row["type"]),
            subject: row["subject"], payload: payload ?? [:], time: Date(timeIntervalSince1970: row["time"]), id: row["id"],
            publishedAt: (row["published_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
