import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// Decides whether a caller may manage something, records every decision in the audit log, and
/// bills tenant-scoped calls to their tenant. Callers with no role in a tenant are told it does
/// not exist, exactly as for a tenant that does not.
public struct Authorization: Sendable {
    let store: any MetadataStore
    /// Decisions waiting to be written (`AuditService` in the server; the CLI flushes at its end).
    public let audit: AuditLog
    let metering: Metering?

    /// Requires a known caller. - Throws: `unauthenticated`.
    public func requireAuthenticated(_ caller: Caller) throws {
        guard caller.principal.kind != .anonymous else { throw OperationError(.unauthenticated, "authentication required") }
    }

    /// Requires `permission` in `tenant`, then bills the call to the tenant (`api.call`).
    /// - Throws: `unauthenticated`; `not_found` for a tenant the caller has no role in or that does
    ///   not exist; `forbidden` for a role without the permission; `gas` when the tenant's budget is spent.
    public func require(_ permission: Permission, in tenant: TenantID, _ caller: Caller) async throws {
        try requireAuthenticated(caller)
        let principal = caller.principal
        let allowed = principal.has(permission, in: tenant)
        let reason =
            allowed
            ? (principal.isSystemAdmin ? "system administrator" : "role \(principal.roles[tenant]?.rawValue ?? "") grants \(permission.rawValue)")
            : principal.roles[tenant].map { "role \($0.rawValue) does not grant \(permission.rawValue)" } ?? "no role in \(tenant)"
        record(caller, action: "api:\(permission.rawValue)", resource: "tenant:\(tenant)", tenant: tenant, allowed: allowed, reason: reason)
        guard allowed else {
            if principal.roles[tenant] == nil { throw OperationError.notFound("tenant '\(tenant)' does not exist") }
            throw OperationError.forbidden("your role in '\(tenant)' does not allow this")
        }
        guard try await store.tenant(tenant) != nil else { throw OperationError.notFound("tenant '\(tenant)' does not exist") }
        if let metering, let meter = caller.meter {
            try await metering.bill(meter, to: tenant, principal: principal.description, repository: nil, operation: .apiCall)
        }
    }

    /// Requires a system administrator. - Throws: `unauthenticated`, `forbidden`.
    public func requireSystemAdmin(_ caller: Caller, action: String) throws {
        try requireAuthenticated(caller)
        let allowed = caller.principal.isSystemAdmin
        record(
            caller, action: "api:\(action)", resource: "registry", tenant: nil, allowed: allowed,
            reason: allowed ? "system administrator" : "not a system administrator")
        guard allowed else { throw OperationError.forbidden("only system administrators may do this") }
    }

    /// Appends an audit record for what `caller` did or tried.
    public func record(_ caller: Caller, action: String, resource: String, tenant: TenantID?, allowed: Bool, reason: String) {
        audit.record(
            AuditRecord(
                time: Date(), requestID: caller.requestID, principal: caller.principal.description, tenant: tenant?.value, action: action,
                resource: resource, allowed: allowed, reason: reason))
    }
}

extension OperationError {
    /// Runs `body`, reporting the layers' own errors (store constraints, identity rules, registry
    /// validation) as operation errors.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error.code == .conflict ? OperationError.conflict(error.message) : OperationError.notFound(error.message)
        } catch let error as AuthError {
            throw OperationError.invalid(error.message)
        } catch let error as RegistryError where error.code == .denied {
            throw OperationError(gasError: error)
        } catch let error as RegistryError {
            throw error.code == .nameUnknown || error.code == .manifestUnknown || error.code == .blobUnknown
                ? OperationError.notFound(error.message) : OperationError.invalid(error.message)
        }
    }
}
