import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// What tenants store, their quotas and what they could stop storing.
public struct StorageOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let schedule: GasSchedule

    /// Bytes stored and the quota (nil: unlimited): auditors and owners.
    public func usage(of tenant: TenantID, _ caller: Caller) async throws -> (used: Int64, quota: Int64?) {
        try await authorization.require(.readAudit, in: tenant, caller)
        return (try await store.storageUsed(by: tenant), try await store.storageQuota(of: tenant))
    }

    /// Untagged manifests and reclaimable bytes, with the storage gas they cost per 30 days.
    public func hints(for tenant: TenantID, limit: Int, _ caller: Caller) async throws
        -> (stored: Int64, efficiency: StorageEfficiency, storageGasPerMonth: UInt64)
    {
        try await authorization.require(.readAudit, in: tenant, caller)
        let efficiency = try await store.efficiency(of: tenant, limit: limit)
        return (
            try await store.storageUsed(by: tenant), efficiency,
            schedule.storage(bytes: efficiency.reclaimableBytes, seconds: 30 * 86400)
        )
    }

    /// Sets (nil: removes) the tenant's storage quota in bytes (system administrators).
    public func setQuota(_ bytes: Int64?, of tenant: TenantID, _ caller: Caller) async throws {
        try authorization.requireSystemAdmin(caller, action: "setStorageQuota")
        if let bytes, bytes < 0 { throw OperationError.invalid("quota must not be negative (remove it instead)") }
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setStorageQuota(bytes, of: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .quotaChanged, subject: "tenant:\(tenant)", payload: ["quota": bytes.map { .integer($0) } ?? .null],
                        time: tx.now))
            }
        }
    }
}
