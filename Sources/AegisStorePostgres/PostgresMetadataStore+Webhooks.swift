import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let webhookColumns = "id, tenant, url, types, secret, enabled, consecutive_failures, created_at, disabled_at"
    static let deliveryColumns =
        "id, webhook_id, event_id, state, attempts, next_attempt_at, last_attempt_at, status_code, error, latency, created_at"

    public func webhooks(of tenant: TenantID) async throws -> [WebhookRecord] {
        try await rows("SELECT \(unescaped: Self.webhookColumns) FROM webhooks WHERE tenant = \(tenant.value) ORDER BY id")
            .map(Self.webhook(from:))
    }

    public func deliveries(ofWebhook id: Int64, before: Int64?, limit: Int) async throws -> [WebhookDeliveryRecord] {
        try await rows(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
            WHERE webhook_id = \(id) AND id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Self.delivery(from:))
    }

    public func dueDeliveries(at now: Date, limit: Int) async throws -> [DueDelivery] {
        let deliveries = try await rows(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
            WHERE state = 'pending' AND next_attempt_at <= \(now.timeIntervalSince1970)
                AND webhook_id IN (SELECT id FROM webhooks WHERE enabled)
            ORDER BY next_attempt_at, id LIMIT \(limit)
            """
        ).map(Self.delivery(from:))
        guard !deliveries.isEmpty else { return [] }
        let webhooks = Dictionary(
            try await rows("SELECT \(unescaped: Self.webhookColumns) FROM webhooks WHERE id = ANY(\(Array(Set(deliveries.map(\.webhook)))))")
                .map(Self.webhook(from:)).map { ($0.id ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
        let events = Dictionary(
            try await rows("SELECT \(unescaped: Self.eventColumns) FROM outbox WHERE id = ANY(\(deliveries.map(\.event)))")
                .map(Self.event(from:)).map { ($0.id ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
        return deliveries.compactMap { delivery in
            guard let webhook = webhooks[delivery.webhook], let event = events[delivery.event] else { return nil }
            return DueDelivery(delivery: delivery, webhook: webhook, event: event)
        }
    }

    static func webhook(from row: PostgresRow) throws -> WebhookRecord {
        let (id, tenant, url, types, secret, enabled, failures, createdAt, disabledAt) = try row.decode(
            (Int64, String, String, String, String, Bool, Int32, Double, Double?).self)
        return WebhookRecord(
            id: id, tenant: try TenantID(tenant), url: url, types: (try? JSONDecoder().decode([String].self, from: Data(types.utf8))) ?? [],
            secret: secret, enabled: enabled, consecutiveFailures: Int(failures), createdAt: Date(timeIntervalSince1970: createdAt),
            disabledAt: disabledAt.map(Date.init(timeIntervalSince1970:)))
    }

    static func delivery(from row: PostgresRow) throws -> WebhookDeliveryRecord {
        let (id, webhook, event, state, attempts, next, last, status, error, latency, createdAt) = try row.decode(
            (Int64, Int64, Int64, String, Int32, Double?, Double?, Int32?, String?, Double?, Double).self)
        return WebhookDeliveryRecord(
            id: id, webhook: webhook, event: event, state: WebhookDeliveryRecord.State(rawValue: state) ?? .failed, attempts: Int(attempts),
            nextAttemptAt: next.map(Date.init(timeIntervalSince1970:)), lastAttemptAt: last.map(Date.init(timeIntervalSince1970:)),
            statusCode: status.map(Int.init), error: error, latency: latency, createdAt: Date(timeIntervalSince1970: createdAt))
    }
}

extension PostgresTransaction {
    func insertWebhook(_ webhook: WebhookRecord) throws -> WebhookRecord {
        try requireTenant(webhook.tenant)
        let id = try value(
            """
            INSERT INTO webhooks(tenant, url, types, secret, enabled, consecutive_failures, created_at, disabled_at)
            VALUES (\(webhook.tenant.value), \(webhook.url), \(try SQLTypes.json(webhook.types)), \(webhook.secret), \(webhook.enabled),
                    \(Int32(clamping: webhook.consecutiveFailures)), \(webhook.createdAt.timeIntervalSince1970),
                    \(webhook.disabledAt?.timeIntervalSince1970))
            RETURNING id
            """, as: Int64.self)
        var inserted = webhook
        inserted.id = id
        return inserted
    }

    func webhook(_ id: Int64, of tenant: TenantID) throws -> WebhookRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.webhookColumns) FROM webhooks WHERE id = \(id) AND tenant = \(tenant.value)")
            .first.map(PostgresMetadataStore.webhook(from:))
    }

    func updateWebhook(_ webhook: WebhookRecord) throws {
        let changed = try execute(
            """
            UPDATE webhooks SET url = \(webhook.url), types = \(try SQLTypes.json(webhook.types)), enabled = \(webhook.enabled),
                consecutive_failures = \(Int32(clamping: webhook.consecutiveFailures)), disabled_at = \(webhook.disabledAt?.timeIntervalSince1970)
            WHERE id = \(webhook.id ?? 0) AND tenant = \(webhook.tenant.value)
            """)
        guard changed > 0 else { throw StoreError(.notFound, "no webhook \(webhook.id ?? 0) in '\(webhook.tenant)'") }
    }

    func deleteWebhook(_ id: Int64, of tenant: TenantID) throws -> Bool {
        try execute("DELETE FROM webhooks WHERE id = \(id) AND tenant = \(tenant.value)") > 0
    }

    func undispatchedEvents(limit: Int) throws -> [OutboxEvent] {
        try rows("SELECT \(unescaped: PostgresMetadataStore.eventColumns) FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT \(limit)")
            .map(PostgresMetadataStore.event(from:))
    }

    func markDispatched(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try execute("UPDATE outbox SET dispatched_at = \(timestamp) WHERE id = ANY(\(ids))")
    }

    func enabledWebhooks(of tenants: Set<TenantID>) throws -> [WebhookRecord] {
        guard !tenants.isEmpty else { return [] }
        return try rows(
            """
            SELECT \(unescaped: PostgresMetadataStore.webhookColumns) FROM webhooks
            WHERE enabled AND tenant = ANY(\(tenants.map(\.value).sorted())) ORDER BY id
            """
        ).map(PostgresMetadataStore.webhook(from:))
    }

    func insertDeliveries(_ deliveries: [WebhookDeliveryRecord]) throws {
        for delivery in deliveries {
            try execute(
                """
                INSERT INTO webhook_deliveries(webhook_id, event_id, state, attempts, next_attempt_at, created_at)
                VALUES (\(delivery.webhook), \(delivery.event), \(delivery.state.rawValue), \(Int32(clamping: delivery.attempts)),
                        \(delivery.nextAttemptAt?.timeIntervalSince1970), \(delivery.createdAt.timeIntervalSince1970))
                ON CONFLICT(webhook_id, event_id) DO NOTHING
                """)
        }
    }

    func delivery(_ id: Int64) throws -> WebhookDeliveryRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.deliveryColumns) FROM webhook_deliveries WHERE id = \(id)").first
            .map(PostgresMetadataStore.delivery(from:))
    }

    func updateDelivery(_ delivery: WebhookDeliveryRecord) throws {
        let changed = try execute(
            """
            UPDATE webhook_deliveries SET state = \(delivery.state.rawValue), attempts = \(Int32(clamping: delivery.attempts)),
                next_attempt_at = \(delivery.nextAttemptAt?.timeIntervalSince1970), last_attempt_at = \(delivery.lastAttemptAt?.timeIntervalSince1970),
                status_code = \(delivery.statusCode.map { Int32(clamping: $0) }), error = \(delivery.error), latency = \(delivery.latency)
            WHERE id = \(delivery.id ?? 0)
            """)
        guard changed > 0 else { throw StoreError(.notFound, "no webhook delivery \(delivery.id ?? 0)") }
    }
}

extension PostgresTransaction {
    func abandonPendingDeliveries(ofWebhook id: Int64, error: String) throws -> Int {
        try execute(
            """
            UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, error = \(error)
            WHERE webhook_id = \(id) AND state = 'pending'
            """)
    }
}

/// Column encodings shared by the statements here.
enum SQLTypes {
    static func json(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }
}
