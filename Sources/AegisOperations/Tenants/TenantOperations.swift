import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// Tenants, the visibility of their repositories and their immutable tags.
public struct TenantOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let publicRepositories: PublicRepositoryCache

    /// The tenants the caller has a role in (all of them for system administrators).
    public func list(_ caller: Caller) async throws -> [TenantRecord] {
        try authorization.requireAuthenticated(caller)
        let principal = caller.principal
        return try await store.tenants().filter { principal.isSystemAdmin || principal.roles[$0.name] != nil }
    }

    /// Creates a tenant (system administrators). - Throws: `invalid_request`, `conflict`.
    public func create(_ name: String, _ caller: Caller) async throws -> TenantRecord {
        try authorization.requireSystemAdmin(caller, action: "createTenant")
        return try await OperationError.translating {
            let tenant = try TenantID(name)
            return try await store.transaction { tx in
                let record = try tx.insertTenant(tenant)
                try tx.append(OutboxEvent(tenant: tenant, type: .tenantCreated, subject: "tenant:\(tenant)", time: tx.now))
                return record
            }
        }
    }

    /// One tenant the caller may pull from.
    public func get(_ tenant: TenantID, _ caller: Caller) async throws -> TenantRecord {
        try await authorization.require(.pull, in: tenant, caller)
        guard let record = try await store.tenant(tenant) else { throw OperationError.notFound("tenant '\(tenant)' does not exist") }
        return record
    }

    /// Deletes an empty tenant (owners). - Throws: `conflict` while it has repositories.
    public func delete(_ tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageTenant, in: tenant, caller)
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.deleteTenant(tenant)
                try tx.append(OutboxEvent(tenant: tenant, type: .tenantDeleted, subject: "tenant:\(tenant)", time: tx.now))
            }
        }
    }

    /// Longest repository path accepted below a tenant: room for the tenant and a registry host
    /// within the 255-byte name limit.
    public static let maxRepositoryPathLength = 180

    /// Makes a repository public (anonymous pulls) or private, creating it when missing (owners).
    /// - Parameter path: The repository below the tenant (`app`, `models/resnet`).
    public func setVisibility(_ path: String, in tenant: TenantID, public isPublic: Bool, _ caller: Caller) async throws -> RepositoryName {
        try await authorization.require(.manageTenant, in: tenant, caller)
        guard path.utf8.count <= Self.maxRepositoryPathLength else {
            throw OperationError.invalid("repository paths are at most \(Self.maxRepositoryPathLength) bytes")
        }
        let name = try await OperationError.translating { try RepositoryName("\(tenant)/\(path)") }
        try await OperationError.translating {
            try await store.transaction { tx in
                if try tx.repository(name) == nil {
                    _ = try tx.insertRepository(name)
                    try tx.append(OutboxEvent(tenant: tenant, type: .repositoryCreated, subject: name.value, time: tx.now))
                }
                try tx.setPublic(isPublic, repository: name)
                try tx.append(
                    OutboxEvent(tenant: tenant, type: .visibilityChanged, subject: name.value, payload: ["public": .bool(isPublic)], time: tx.now))
            }
        }
        publicRepositories.forget(name)
        return name
    }

    /// Most immutability rules a tenant may have: each is checked on every tag move and delete.
    public static let maxImmutableTagPatterns = 64

    /// The tenant's immutability rules: tags matching one cannot be moved to another manifest or
    /// deleted, nor can the manifest they point at (anyone who may pull).
    public func immutableTags(of tenant: TenantID, _ caller: Caller) async throws -> [TagPattern] {
        try await authorization.require(.pull, in: tenant, caller)
        return try await store.transaction { tx in
            guard try tx.tenant(tenant) != nil else { throw OperationError.notFound("tenant '\(tenant)' does not exist") }
            return try tx.immutableTagPatterns(of: tenant)
        }
    }

    /// Replaces the tenant's immutability rules (owners); tags already pushed become immutable at
    /// once. - Throws: `invalid_request` for a malformed pattern or too many.
    public func setImmutableTags(_ patterns: [String], of tenant: TenantID, _ caller: Caller) async throws -> [TagPattern] {
        try await authorization.require(.manageTenant, in: tenant, caller)
        guard patterns.count <= Self.maxImmutableTagPatterns else {
            throw OperationError.invalid("at most \(Self.maxImmutableTagPatterns) tag patterns")
        }
        return try await OperationError.translating {
            var unique: [TagPattern] = []
            for pattern in patterns {
                let rule = try TagPattern(pattern)
                if !unique.contains(rule) { unique.append(rule) }
            }
            let rules = unique
            try await store.transaction { tx in
                try tx.setImmutableTagPatterns(rules, of: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .immutabilityChanged, subject: "tenant:\(tenant)",
                        payload: ["tagPatterns": .string(rules.map(\.value).joined(separator: ","))], time: tx.now))
            }
            return rules
        }
    }
}
