import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addStorageRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/storage") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.readAudit, in: tenant, for: principal, request: request, context: context)
            return try json(
                StorageView(tenant: tenant.value, used: try await store.storageUsed(by: tenant), quota: try await store.storageQuota(of: tenant)))
        }
        api.put("tenants/:tenant/storage/quota") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "setStorageQuota", context: context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewQuota.self, from: request)
            guard body.quota >= 0 else { throw APIError.badRequest("quota must not be negative (DELETE removes it)") }
            try await translating { try await store.setStorageQuota(body.quota, of: tenant) }
            return try json(StorageView(tenant: tenant.value, used: try await store.storageUsed(by: tenant), quota: body.quota))
        }
        api.delete("tenants/:tenant/storage/quota") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "setStorageQuota", context: context)
            let tenant = try tenantParameter(context)
            try await translating { try await store.setStorageQuota(nil, of: tenant) }
            return Response(status: .noContent)
        }
    }
}

struct NewQuota: APIRequestBody {
    static let fields: Set<String> = ["quota"]
    var quota: Int64
}

struct StorageView: Encodable {
    var tenant: String
    /// Bytes of the distinct blobs the tenant's repositories link.
    var used: Int64
    /// Bytes allowed; absent when unlimited.
    var quota: Int64?
}
