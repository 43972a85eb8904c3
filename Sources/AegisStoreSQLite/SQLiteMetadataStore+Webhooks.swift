import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func webhooks(of tenant: TenantID) async throws -> [WebhookRecord] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM webhooks WHERE tenant = ? ORDER BY id"), arguments: [tenant.value])
                .compactMap(Self.webhook(from:))
        }
    }

    public func deliveries(ofWebhook id: Int64, before: Int64?, limit: Int) async throws -> [WebhookDeliveryRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?"),
                arguments: [id, before ?? Int64.max, limit]
            ).compactMap(Self.delivery(from:))
        }
    }

    public func dueDeliveries(at now: Date, limit: Int) async throws -> [DueDelivery] {
        try await pool.read { db in
            let deliveries = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                        WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND w.enabled ORDER BY d.next_attempt_at, d.id LIMIT ?
                        """),
                arguments: [now.timeIntervalSince1970, limit]
            ).compactMap(Self.delivery(from:))
            return try deliveries.compactMap { delivery in
                guard
                    let webhook = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM webhooks WHERE id = ?"), arguments: [delivery.webhook])
                        .flatMap(Self.webhook(from:)),
                    let event = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM outbox WHERE id = ?"), arguments: [delivery.event])
                        .flatMap(Self.event(from:))
                else { return nil }
                return DueDelivery(delivery: delivery, webhook: webhook, event: event)
            }
        }
    }

    static func webhook(from row: Row) -> WebhookRecord? {
        guard let tenant = try? TenantID(row["tenant"] as String) else { return nil }
        let types = (row["types"] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return WebhookRecord(
            id: row["id"], tenant: tenant, url: row["url"], types: types, secret: row["secret"], enabled: row["enabled"],
            consecutiveFailures: row["consecutive_failures"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            disabledAt: (row["disabled_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    static func delivery(from row: Row) -> WebhookDeliveryRecord? {
        guard let state = WebhookDeliveryRecord.State(rawValue: row["state"]) else { return nil }
        return WebhookDeliveryRecord(
            id: row["id"], webhook: row["webhook_id"], event: row["event_id"], state: state, attempts: row["attempts"],
            nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastAttemptAt: (row["last_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)), statusCode: row["status_code"],
            error: row["error"], latency: row["latency"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

extension SQLiteTransaction {
    func insertWebhook(_ webhook: WebhookRecord) throws -> WebhookRecord {
        try requireTenant(webhook.tenant)
        try db.execute(
            sql: """
                INSERT INTO webhooks(tenant, url, types, secret, enabled, consecutive_failures, created_at, disabled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                webhook.tenant.value, webhook.url, try Self.typesJSON(webhook.types), webhook.secret, webhook.enabled,
                webhook.consecutiveFailures, webhook.createdAt.timeIntervalSince1970, webhook.disabledAt?.timeIntervalSince1970,
            ])
        var inserted = webhook
        inserted.id = db.lastInsertedRowID
        return inserted
    }

    func webhook(_ id: Int64, of tenant: TenantID) throws -> WebhookRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM webhooks WHERE id = ? AND tenant = ?"), arguments: [id, tenant.value])
            .flatMap(SQLiteMetadataStore.webhook(from:))
    }

    func updateWebhook(_ webhook: WebhookRecord) throws {
        try db.execute(
            sql: "UPDATE webhooks SET url = ?, types = ?, enabled = ?, consecutive_failures = ?, disabled_at = ? WHERE id = ? AND tenant = ?",
            arguments: [
                webhook.url, try Self.typesJSON(webhook.types), webhook.enabled, webhook.consecutiveFailures,
                webhook.disabledAt?.timeIntervalSince1970, webhook.id, webhook.tenant.value,
            ])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "no webhook \(webhook.id ?? 0) in '\(webhook.tenant)'") }
    }

    func deleteWebhook(_ id: Int64, of tenant: TenantID) throws -> Bool {
        try db.execute(sql: "DELETE FROM webhooks WHERE id = ? AND tenant = ?", arguments: [id, tenant.value])
        return db.changesCount > 0
    }

    func undispatchedEvents(limit: Int) throws -> [OutboxEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT ?"), arguments: [limit])
            .compactMap(SQLiteMetadataStore.event(from:))
    }

    func markDispatched(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try db.execute(
            sql: "UPDATE outbox SET dispatched_at = ? WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: StatementArguments([timestamp] + ids.map { $0 as any DatabaseValueConvertible }))
    }

    func enabledWebhooks(of tenants: Set<TenantID>) throws -> [WebhookRecord] {
        guard !tenants.isEmpty else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM webhooks WHERE enabled AND tenant IN (\(databaseQuestionMarks(count: tenants.count))) ORDER BY id",
            arguments: StatementArguments(tenants.map(\.value).sorted())
        ).compactMap(SQLiteMetadataStore.webhook(from:))
    }

    func insertDeliveries(_ deliveries: [WebhookDeliveryRecord]) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO webhook_deliveries(webhook_id, event_id, state, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(webhook_id, event_id) DO NOTHING
                """)
        for delivery in deliveries {
            try statement.execute(arguments: [
                delivery.webhook, delivery.event, delivery.state.rawValue, delivery.attempts, delivery.nextAttemptAt?.timeIntervalSince1970,
                delivery.createdAt.timeIntervalSince1970,
            ])
        }
    }

    func delivery(_ id: Int64) throws -> WebhookDeliveryRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM webhook_deliveries WHERE id = ?"), arguments: [id])
            .flatMap(SQLiteMetadataStore.delivery(from:))
    }

    func updateDelivery(_ delivery: WebhookDeliveryRecord) throws {
        try db.execute(
            sql: """
                UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, status_code = ?, error = ?,
                    latency = ?
                WHERE id = ?
                """,
            arguments: [
                delivery.state.rawValue, delivery.attempts, delivery.nextAttemptAt?.timeIntervalSince1970,
                delivery.lastAttemptAt?.timeIntervalSince1970, delivery.statusCode, delivery.error, delivery.latency, delivery.id,
            ])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "no webhook delivery \(delivery.id ?? 0)") }
    }

    func abandonPendingDeliveries(ofWebhook id: Int64, error: String) throws -> Int {
        try db.execute(
            sql: "UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, error = ? WHERE webhook_id = ? AND state = 'pending'",
            arguments: [error, id])
        return db.changesCount
    }

    static func typesJSON(_ types: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(types), as: UTF8.self)
    }
}
