import AegisCore
import AegisStore
import Foundation
import GRDB
import Synchronization

/// A unit of work on the SQLite file: a GRDB write transaction, on GRDB's writer queue.
struct SQLiteTransaction: MetadataTransaction {
    let db: Database
    let now: Date
    /// Of the span the unit of work runs in, for its events.
    let traceparent: String?
    /// Set by `append`: the commit rings `commits`.
    let appended: AppendedEvents

    var timestamp: Double { now.timeIntervalSince1970 }

    func exists(_ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) ?? false
    }

    func requireTenant(_ tenant: TenantID) throws {
        guard try exists("SELECT 1 FROM tenants WHERE name = ?", [tenant.value]) else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func requireUser(_ user: String) throws {
        guard try exists("SELECT 1 FROM users WHERE name = ?", [user]) else { throw StoreError(.notFound, "user '\(user)' does not exist") }
    }

    func append(_ event: OutboxEvent) throws {
        appended.value.store(true, ordering: .relaxed)
        let payload = String(decoding: try JSONEncoder.outbox.encode(event.payload), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO outbox(time, tenant, type, subject, payload, traceparent) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [event.time.timeIntervalSince1970, event.tenant?.value, event.type.rawValue, event.subject, payload, traceparent])
    }
}

extension SQLiteMetadataStore {
    public func transaction<T: Sendable>(_ body: @Sendable (any MetadataTransaction) throws -> T) async throws -> T {
        try await TransactionTracing.span(system: "sqlite") {
            let (now, traceparent, appended) = (Date(), TransactionTracing.currentTraceparent(), AppendedEvents())
            let result = try await pool.write { db in
                try body(SQLiteTransaction(db: db, now: now, traceparent: traceparent, appended: appended))
            }
            if appended.value.load(ordering: .relaxed) { commits.notify() }
            return result
        }
    }
}

extension JSONEncoder {
    /// Event payloads: compact, keys sorted (stable bytes for equal payloads).
    static let outbox: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Whether a unit of work wrote events (set on the writer's thread, read after it returned).
final class AppendedEvents: Sendable {
    let value = Atomic(false)
}
