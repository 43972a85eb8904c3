import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func events(after: Int64?, tenant: TenantID?, types: Set<OutboxEvent.Kind>, limit: Int) async throws -> [OutboxEvent] {
        var sql = "SELECT * FROM outbox WHERE id > ?"
        var arguments: StatementArguments = [after ?? 0]
        if let tenant {
            sql += " AND tenant = ?"
            arguments += [tenant.value]
        }
        if !types.isEmpty {
            sql += " AND type IN (\(databaseQuestionMarks(count: types.count)))"
            arguments += StatementArguments(types.map(\.rawValue).sorted())
        }
        sql += " ORDER BY id LIMIT ?"
        arguments += [limit]
        return try await pool.read { [sql, arguments] db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).compactMap(Self.event(from:))
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

    public func outboxBacklog() async throws -> OutboxBacklog {
        try await pool.read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT count(*), min(time) FROM outbox WHERE published_at IS NULL"))
            return OutboxBacklog(pending: row?[0] ?? 0, oldest: (row?[1] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func pruneEvents(before cutoff: Date) async throws -> PrunedEvents {
        try await pool.write { db in
            let condition = """
                time < ? AND dispatched_at IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = outbox.id AND d.state = 'pending')
                """
            let unpublished =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM outbox WHERE published_at IS NULL AND \(condition)", arguments: [cutoff.timeIntervalSince1970])
                ?? 0
            try db.execute(sql: "DELETE FROM outbox WHERE \(condition)", arguments: [cutoff.timeIntervalSince1970])
            return PrunedEvents(deleted: db.changesCount, unpublished: unpublished)
        }
    }

    static func event(from row: Row) -> OutboxEvent? {
        let payload = (row["payload"] as String?).flatMap { try? JSONDecoder().decode([String: JSONScalar].self, from: Data($0.utf8)) }
        return OutboxEvent(
            tenant: (row["tenant"] as String?).flatMap { try? TenantID($0) }, type: OutboxEvent.Kind(rawValue: row["type"]),
            subject: row["subject"], payload: payload ?? [:], time: Date(timeIntervalSince1970: row["time"]), id: row["id"],
            publishedAt: (row["published_at"] as Double?).map(Date.init(timeIntervalSince1970:)), traceparent: row["traceparent"])
    }
}
