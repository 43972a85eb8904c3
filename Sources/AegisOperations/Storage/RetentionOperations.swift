import AegisCore
import AegisRegistry
import AegisStore
import Foundation

/// A tenant's retention rules, their dry run and their application (see `RetentionPolicy`).
public struct RetentionOperations: Sendable {
    let store: any MetadataStore
    let registry: Registry
    let authorization: Authorization

    /// The tenant's rules (an empty list when none): anyone who may read its audit log.
    public func policy(of tenant: TenantID, _ caller: Caller) async throws -> RetentionPolicy {
        try await authorization.require(.readAudit, in: tenant, caller)
        return try await existing(tenant) { try $0.retentionPolicy(of: tenant) } ?? RetentionPolicy(rules: [])
    }

    /// Replaces the tenant's rules (owners; an empty list removes them).
    /// - Throws: `invalid_request` for a malformed pattern, count or number of days.
    public func setPolicy(_ policy: RetentionPolicy, of tenant: TenantID, _ caller: Caller) async throws -> RetentionPolicy {
        try await authorization.require(.manageTenant, in: tenant, caller)
        try await OperationError.translating {
            try policy.validate()
            try await store.transaction { tx in
                try tx.setRetentionPolicy(policy.rules.isEmpty ? nil : policy, of: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .retentionChanged, subject: "tenant:\(tenant)", payload: ["rules": .integer(Int64(policy.rules.count))],
                        time: tx.now))
            }
        }
        return policy
    }

    /// What the rules would delete now (owners and admins): nothing is written.
    public func plan(for tenant: TenantID, _ caller: Caller) async throws -> RetentionPlan {
        try await authorization.require(.manageMembers, in: tenant, caller)
        guard let policy = try await existing(tenant, { try $0.retentionPolicy(of: tenant) }) else { return RetentionPlan() }
        return try await registry.retentionPlan(for: tenant, policy: policy)
    }

    /// Applies the rules now (owners): returns what was deleted.
    public func apply(to tenant: TenantID, _ caller: Caller) async throws -> RetentionPlan {
        try await authorization.require(.manageTenant, in: tenant, caller)
        return try await Self.apply(to: tenant, registry: registry)
    }

    /// Plans and applies the rules of `tenant` (the scheduled run, before garbage collection).
    public static func apply(to tenant: TenantID, registry: Registry) async throws -> RetentionPlan {
        guard let policy = try await registry.metadata.transaction({ try $0.retentionPolicy(of: tenant) }) else { return RetentionPlan() }
        return try await registry.applyRetention(try await registry.retentionPlan(for: tenant, policy: policy))
    }

    private func existing<T: Sendable>(_ tenant: TenantID, _ read: @Sendable @escaping (any MetadataTransaction) throws -> T) async throws -> T {
        try await store.transaction { tx in
            guard try tx.tenant(tenant) != nil else { throw OperationError.notFound("tenant '\(tenant)' does not exist") }
            return try read(tx)
        }
    }
}
