import AegisAuth
import AegisCore
import AegisStore
import Crypto
import Foundation

/// A tenant's webhooks: each POSTs the tenant's events of its types, signed, to a URL the
/// target policy allows (see `WebhookDispatcher` for the delivery).
public struct WebhookOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    /// Where webhooks may send (the dispatcher checks each delivery against the same policy).
    public let targets: WebhookTargetPolicy

    /// The most webhooks a tenant may have.
    public static let maxPerTenant = 32
    /// The most type filters a webhook may have.
    public static let maxTypes = 64

    public func list(in tenant: TenantID, _ caller: Caller) async throws -> [WebhookRecord] {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        return try await store.webhooks(of: tenant)
    }

    public func get(_ id: Int64, in tenant: TenantID, _ caller: Caller) async throws -> WebhookRecord {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        return try await existing(id, in: tenant)
    }

    /// Adds a webhook. Its secret is generated unless given (`whsec_` and the base64 of 24 to 48
    /// bytes, a multiple of 3); the caller sees it in the answer only.
    public func create(url: String, types: [String], secret: String?, in tenant: TenantID, _ caller: Caller) async throws -> WebhookRecord {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        let types = try Self.validated(types)
        if let secret { try Self.validateSecret(secret) }
        try await targets.check(url)
        let record = WebhookRecord(tenant: tenant, url: url, types: types, secret: secret ?? Self.newSecret(), createdAt: Date())
        return try await OperationError.translating {
            try await store.transaction { tx in
                guard try tx.enabledWebhooks(of: [tenant]).count < Self.maxPerTenant else {
                    throw OperationError.conflict("a tenant may have at most \(Self.maxPerTenant) enabled webhooks")
                }
                let webhook = try tx.insertWebhook(record)
                try tx.append(Self.event(.webhookCreated, webhook, time: tx.now))
                return webhook
            }
        }
    }

    /// Changes a webhook's URL, types or state. Enabling it again clears its failures.
    public func update(
        _ id: Int64, url: String?, types: [String]?, enabled: Bool?, in tenant: TenantID, _ caller: Caller
    ) async throws -> WebhookRecord {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        let types = try types.map(Self.validated)
        if let url { try await targets.check(url) }
        return try await OperationError.translating {
            try await store.transaction { tx in
                guard var webhook = try tx.webhook(id, of: tenant) else { throw StoreError(.notFound, "no webhook \(id) in '\(tenant)'") }
                if let url { webhook.url = url }
                if let types { webhook.types = types }
                if let enabled, enabled != webhook.enabled {
                    webhook.enabled = enabled
                    webhook.consecutiveFailures = 0
                    webhook.disabledAt = nil
                    if !enabled { _ = try tx.abandonPendingDeliveries(ofWebhook: id, error: "the webhook was disabled") }
                }
                try tx.updateWebhook(webhook)
                try tx.append(Self.event(.webhookChanged, webhook, time: tx.now))
                return webhook
            }
        }
    }

    /// Removes a webhook and its delivery log; deliveries not yet made are dropped.
    public func delete(_ id: Int64, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        try await OperationError.translating {
            try await store.transaction { tx in
                guard let webhook = try tx.webhook(id, of: tenant), try tx.deleteWebhook(id, of: tenant) else {
                    throw StoreError(.notFound, "no webhook \(id) in '\(tenant)'")
                }
                try tx.append(Self.event(.webhookDeleted, webhook, time: tx.now))
            }
        }
    }

    /// A webhook's deliveries, newest first, ids below `before`.
    public func deliveries(of id: Int64, in tenant: TenantID, before: Int64?, limit: Int, _ caller: Caller) async throws
        -> [WebhookDeliveryRecord]
    {
        try await authorization.require(.manageWebhooks, in: tenant, caller)
        _ = try await existing(id, in: tenant)
        return try await store.deliveries(ofWebhook: id, before: before, limit: limit)
    }

    private func existing(_ id: Int64, in tenant: TenantID) async throws -> WebhookRecord {
        guard let webhook = try await store.transaction({ try $0.webhook(id, of: tenant) }) else {
            throw OperationError.notFound("no webhook \(id) in '\(tenant)'")
        }
        return webhook
    }

    static func event(_ type: OutboxEvent.Kind, _ webhook: WebhookRecord, time: Date) -> OutboxEvent {
        OutboxEvent(
            tenant: webhook.tenant, type: type, subject: "webhook:\(webhook.id ?? 0)",
            payload: ["url": .string(webhook.url), "enabled": .bool(webhook.enabled)], time: time)
    }

    /// Type filters: known event types, or `<noun>.*` for a family of them.
    static func validated(_ types: [String]) throws -> [String] {
        guard types.count <= maxTypes else { throw OperationError.invalid("types may name at most \(maxTypes) event types") }
        for type in types {
            let known = type.hasSuffix(".*") ? OutboxEvent.Kind.families.contains(String(type.dropLast(2))) : OutboxEvent.Kind.all.contains(type)
            guard known else {
                throw OperationError.invalid("types: '\(type)' is neither an event type (manifest.pushed) nor a family of them (manifest.*)")
            }
        }
        if let repeated = Dictionary(grouping: types, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw OperationError.invalid("types: '\(repeated)' is listed twice")
        }
        return types.sorted()
    }

    /// `whsec_` and 32 to 64 base64 characters without padding: 24 to 48 bytes, a multiple of 3.
    static func validateSecret(_ secret: String) throws {
        let key = secret.utf8.dropFirst(6)
        let alphabet = { (byte: UInt8) in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
        }
        guard secret.hasPrefix("whsec_"), (32...64).contains(key.count), key.count % 4 == 0, key.allSatisfy(alphabet) else {
            throw OperationError.invalid("secret must be 'whsec_' followed by the base64 (no padding) of 24 to 48 random bytes, a multiple of 3")
        }
    }

    /// 36 random bytes: 288 bits, base64 without padding.
    static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: SymmetricKeySize(bitCount: 288)).withUnsafeBytes { Array($0) }).base64EncodedString()
    }
}
