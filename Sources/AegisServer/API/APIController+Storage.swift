import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addStorageRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/storage") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let (used, quota) = try await operations.storage.usage(of: tenant, caller)
            return try json(StorageView(tenant: tenant.value, used: used, quota: quota))
        }
        api.get("tenants/:tenant/storage/hints") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let hints = try await operations.storage.hints(for: tenant, limit: try pageLimit(request, default: 20, maximum: 1000), caller)
            return try json(StorageHints(tenant: tenant.value, hints))
        }
        api.put("tenants/:tenant/storage/quota") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewQuota.self, from: request)
            try await operations.storage.setQuota(body.quota, of: tenant, caller)
            return try json(StorageView(tenant: tenant.value, used: try await operations.store.storageUsed(by: tenant), quota: body.quota))
        }
        api.delete("tenants/:tenant/storage/quota") { request, context in
            let caller = try await caller(request, context)
            try await operations.storage.setQuota(nil, of: try tenantParameter(context), caller)
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
    /// gCO2e storing them emits per 30 days at the current grid intensity (absent: carbon accounting off).
    var storageCO2eGramsPerMonth: Double?
    var oldestUntagged: [Untagged]
    var hints: [String]

    struct Untagged: Encodable {
        var repository: String
        var digest: String
        var size: Int64
        var createdAt: String
    }

    init(tenant: String, _ result: StorageOperations.Hints) {
        let (efficiency, storageGasPerMonth) = (result.efficiency, result.storageGasPerMonth)
        self.tenant = tenant
        storedBytes = result.stored
        storageCO2eGramsPerMonth = result.storageGramsPerMonth
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
        if let grams = result.storageGramsPerMonth, grams > 0 {
            hints.append("and about \(String(format: "%.3g", grams)) gCO2e per 30 days of storage energy at the current grid intensity")
        }
        self.hints = hints
    }
}
