import AegisAuth
import AegisCore
import AegisGas
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
        api.get("tenants/:tenant/storage/hints") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.readAudit, in: tenant, for: principal, request: request, context: context)
            let limit = try pageLimit(request, default: 20, maximum: 1000)
            let efficiency = try await store.efficiency(of: tenant, limit: limit)
            return try json(
                StorageHints(
                    tenant: tenant.value, storedBytes: try await store.storageUsed(by: tenant), efficiency: efficiency,
                    storageGasPerMonth: gas.schedule.storage(bytes: efficiency.reclaimableBytes, seconds: 30 * 86400)))
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

/// Efficiency hints: what the tenant could stop paying to store, and how.
struct StorageHints: Encodable {
    var tenant: String
    var storedBytes: Int64
    var untaggedManifests: Int
    var untaggedManifestBytes: Int64
    var reclaimableBlobs: Int
    var reclaimableBytes: Int64
    var unreferencedBytes: Int64
    /// Storage gas the reclaimable bytes cost per 30 days at the current schedule.
    var storageGasPerMonth: UInt64
    var oldestUntagged: [Untagged]
    var hints: [String]

    struct Untagged: Encodable {
        var repository: String
        var digest: String
        var size: Int64
        var createdAt: String
    }

    init(tenant: String, storedBytes: Int64, efficiency: StorageEfficiency, storageGasPerMonth: UInt64) {
        self.tenant = tenant
        self.storedBytes = storedBytes
        untaggedManifests = efficiency.untaggedManifests
        untaggedManifestBytes = efficiency.untaggedManifestBytes
        reclaimableBlobs = efficiency.reclaimableBlobs
        reclaimableBytes = efficiency.reclaimableBytes
        unreferencedBytes = efficiency.unreferencedBytes
        self.storageGasPerMonth = storageGasPerMonth
        oldestUntagged = efficiency.oldestUntagged.map {
            Untagged(repository: $0.repository, digest: $0.digest, size: $0.size, createdAt: $0.createdAt.ISO8601Format())
        }
        var hints: [String] = []
        let referenced = efficiency.reclaimableBytes - efficiency.unreferencedBytes
        if efficiency.untaggedManifests > 0 {
            hints.append(
                "\(efficiency.untaggedManifests) untagged manifests: deleting them and then the \(referenced) bytes of blobs only they "
                    + "reference frees that storage")
        }
        if efficiency.unreferencedBytes > 0 {
            hints.append("\(efficiency.unreferencedBytes) bytes of blobs no manifest references (uploads never used): delete them")
        }
        if storageGasPerMonth > 0 { hints.append("reclaiming saves about \(storageGasPerMonth) storage gas per 30 days") }
        self.hints = hints
    }
}
