import AegisAuth
import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// What tenants store, their quotas and what they could stop storing.
public struct StorageOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let schedule: GasSchedule
    /// For the CO2e of what could be reclaimed; nil when carbon accounting is off.
    let carbon: CarbonAccountant?

    /// Bytes stored and the quota (nil: unlimited): auditors and owners.
    public func usage(of tenant: TenantID, _ caller: Caller) async throws -> (used: Int64, quota: Int64?) {
        try await authorization.require(.readAudit, in: tenant, caller)
        return (try await store.storageUsed(by: tenant), try await store.storageQuota(of: tenant))
    }

    /// What the hints say.
    public struct Hints: Sendable {
        public var stored: Int64
        public var efficiency: StorageEfficiency
        /// Storage gas the reclaimable bytes cost per 30 days.
        public var storageGasPerMonth: UInt64
        /// gCO2e storing them emits per 30 days at the current intensity (nil: carbon accounting off).
        public var storageGramsPerMonth: Double?
    }

    /// Untagged manifests and reclaimable bytes, with the storage gas and CO2e they cost per 30 days.
    public func hints(for tenant: TenantID, limit: Int, _ caller: Caller) async throws -> Hints {
        try await authorization.require(.readAudit, in: tenant, caller)
        let efficiency = try await store.efficiency(of: tenant, limit: limit)
        let month = 30 * 86400
        var grams: Double?
        if let carbon {
            let joules = carbon.model.storageJoules(bytes: efficiency.reclaimableBytes, seconds: Double(month))
            grams = EnergyModel.grams(joules: joules, intensity: await carbon.intensity.current().gramsPerKWh)
        }
        return Hints(
            stored: try await store.storageUsed(by: tenant), efficiency: efficiency,
            storageGasPerMonth: schedule.storage(bytes: efficiency.reclaimableBytes, seconds: month), storageGramsPerMonth: grams)
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
