import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// Who holds which role in a tenant, and grants on single repositories or paths.
public struct MemberOperations: Sendable {
    let store: any MetadataStore
    let identity: IdentityService
    let authorization: Authorization

    public func list(in tenant: TenantID, _ caller: Caller) async throws -> [(user: String, role: Role)] {
        try await authorization.require(.manageMembers, in: tenant, caller)
        return try await store.members(of: tenant)
    }

    /// Gives `user` `role` in `tenant`. Only owners (and system administrators) make owners.
    public func set(_ user: String, role: Role, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageMembers, in: tenant, caller)
        if role == .owner, !caller.principal.has(.manageTenant, in: tenant) { throw OperationError.forbidden("only owners may make owners") }
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setRole(role, of: user, in: tenant)
                try tx.append(
                    OutboxEvent(tenant: tenant, type: .memberSet, subject: "user:\(user)", payload: ["role": .string(role.rawValue)], time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// Removes `user` from `tenant`. - Throws: `not_found` when they are not a member.
    public func remove(_ user: String, from tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageMembers, in: tenant, caller)
        try await OperationError.translating {
            try await store.transaction { tx in
                guard try tx.role(of: user, in: tenant) != nil else { throw StoreError(.notFound, "'\(user)' is not a member of '\(tenant)'") }
                try tx.setRole(nil, of: user, in: tenant)
                try tx.append(OutboxEvent(tenant: tenant, type: .memberRemoved, subject: "user:\(user)", time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// The tenant's repository grants; `repository` is the path below the tenant (`app`, `team/*`).
    public func grants(in tenant: TenantID, _ caller: Caller) async throws -> [(user: String, repository: String, role: Role)] {
        try await authorization.require(.manageMembers, in: tenant, caller)
        return try await store.grants(in: tenant).map { ($0.user, String($0.pattern.dropFirst(tenant.value.count + 1)), $0.role) }
    }

    /// Grants `role` on a repository or path below the tenant (owner is not grantable).
    public func grant(_ role: Role, to user: String, on repository: String, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageMembers, in: tenant, caller)
        guard role != .owner else {
            throw OperationError.invalid("a grant's role is one of admin, maintainer, developer, reader, runner, auditor")
        }
        let grant = try Self.pattern(repository, in: tenant, role: role)
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setGrant(role, of: user, on: grant.pattern, in: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .grantSet, subject: "user:\(user)",
                        payload: ["repository": .string(grant.pattern), "role": .string(role.rawValue)], time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// Removes a grant. - Throws: `not_found` when there is none.
    public func revoke(from user: String, on repository: String, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageMembers, in: tenant, caller)
        let grant = try Self.pattern(repository, in: tenant, role: .reader)
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setGrant(nil, of: user, on: grant.pattern, in: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .grantRemoved, subject: "user:\(user)", payload: ["repository": .string(grant.pattern)], time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// `app` or `team/*` below `tenant`, as a validated grant pattern.
    static func pattern(_ repository: String, in tenant: TenantID, role: Role) throws -> RepositoryGrant {
        guard repository.utf8.count <= TenantOperations.maxRepositoryPathLength,
            let grant = try? RepositoryGrant(pattern: "\(tenant)/\(repository)", role: role)
        else {
            throw OperationError.invalid("repository must be a path below the tenant, optionally ending in /* (app, team/*)")
        }
        return grant
    }
}
