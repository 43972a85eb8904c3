import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addAuditRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/audit") { request, context in
            try await auditPage(tenant: try tenantParameter(context), request: request, caller: try await caller(request, context))
        }
        api.get("audit") { request, context in
            try await auditPage(tenant: nil, request: request, caller: try await caller(request, context))
        }
    }

    /// Newest first; `before` is the `id` to continue below, `limit` 1…1000 (default 100).
    private func auditPage(tenant: TenantID?, request: Request, caller: Caller) async throws -> Response {
        let limit = try pageLimit(request, default: 100, maximum: 1000)
        let before = try positiveID(request.query("before"), what: "record")
        let records = try await operations.audit.records(of: tenant, before: before, limit: limit, caller)
        let next = records.count == limit ? records.last?.id : nil
        return try json(AuditPage(records: records.map(AuditView.init), next: next))
    }

    /// A `before` cursor. - Throws: 400 unless a positive integer.
    func positiveID(_ text: String?, what: String) throws -> Int64? {
        try text.map { text in
            guard let value = Int64(text), value > 0 else { throw APIError.badRequest("before must be a positive \(what) id") }
            return value
        }
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
