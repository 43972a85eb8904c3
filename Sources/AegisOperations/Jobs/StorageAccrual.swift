import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import Foundation
import Logging

/// Charges every tenant storage gas for the bytes it keeps: the schedule's `storagePerGiBHour`
/// pro rata for one interval, one ledger row per tenant (`storage.accrual`), counted against its
/// budget like any other gas; and, with carbon accounting, the energy of keeping them (one carbon
/// row per tenant).
public struct StorageAccrual: Sendable {
    let metering: Metering
    let store: any StorageStore
    let logger: Logger

    public init(metering: Metering, store: any StorageStore, logger: Logger) {
        self.metering = metering
        self.store = store
        self.logger = logger
    }

    /// Charges one interval of `seconds`.
    public func accrue(seconds: Int, now: Date = Date()) async {
        do {
            for (tenant, bytes) in try await store.storageByTenant() {
                if let carbon = metering.carbon, bytes > 0 {
                    metering.carbonLedger.record(await carbon.storage(tenant: tenant.value, bytes: bytes, seconds: Double(seconds), now: now))
                }
                let charge = metering.schedule.storage(bytes: bytes, seconds: seconds)
                guard metering.settings.metering, charge > 0 else { continue }
                metering.accounts.record(charge, for: tenant)
                metering.ledger.record(
                    GasCharge(
                        time: now, tenant: tenant.value, principal: "system", operation: "storage.accrual", repository: nil,
                        requestID: "storage-accountant", gas: charge, price: metering.feeMarket.baseFee, schedule: metering.schedule.version,
                        outOfGas: false))
            }
        } catch {
            logger.error("storage accrual failed", metadata: ["error": "\(error)"])
        }
    }
}
