import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// Reading the audit log.
public struct AuditOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization

    /// A tenant's records (auditors and owners), or every record (`tenant` nil: system
    /// administrators); newest first, ids below `before`, at most `limit`.
    public func records(of tenant: TenantID?, before: Int64?, limit: Int, _ caller: Caller) async throws -> [AuditRecord] {
        if let tenant {
            try await authorization.require(.readAudit, in: tenant, caller)
        } else {
            try authorization.requireSystemAdmin(caller, action: "readAudit")
        }
        return try await store.audit(tenant: tenant?.value, before: before, limit: limit)
    }
}
