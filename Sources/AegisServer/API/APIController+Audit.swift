import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addAuditRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/audit") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.readAudit, in: tenant, for: principal, request: request, context: context)
            return try await auditPage(tenant: tenant.value, request: request)
        }
        api.get("audit") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "readAudit", context: context)
            return try await auditPage(tenant: nil, request: request)
        }
    }

    /// Newest first; `before` is the `id` to continue below, `limit` 1…1000 (default 100).
    private func auditPage(tenant: String?, request: Request) async throws -> Response {
        let limit = try pageLimit(request, default: 100, maximum: 1000)
        let before = try request.query("before").map { text -> Int64 in
            guard let value = Int64(text), value > 0 else { throw APIError.badRequest("before must be a positive record id") }
            return value
        }
        let records = try await store.audit(tenant: tenant, before: before, limit: limit)
        let next = records.count == limit ? records.last?.id : nil
        return try json(AuditPage(records: records.map(AuditView.init), next: next))
    }
}

struct AuditView: Encodable {
    var id: Int64?
    var time: String
    var requestId: String
    var principal: String
    var tenant: String?
    var action: String
    var resource: String
    var allowed: Bool
    var reason: String

    init(_ record: AuditRecord) {
        id = record.id
        time = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(record.time)
        requestId = record.requestID
        principal = record.principal
        tenant = record.tenant
        action = record.action
        resource = record.resource
        allowed = record.allowed
        reason = record.reason
    }
}

struct AuditPage: Encodable {
    var records: [AuditView]
    /// Pass as `before` for the next (older) page; absent on the last page.
    var next: Int64?
}
