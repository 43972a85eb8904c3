import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import Logging
import ServiceLifecycle

/// Charges every tenant storage gas for the bytes it keeps, every `interval`: the schedule's
/// `storagePerGiBHour` pro rata, one ledger row per tenant (`storage.accrual`), counted against
/// its budget like any other gas.
struct StorageAccountantService: Service {
    let metering: Metering
    let store: any MetadataStore
    let intervalSeconds: Int
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(intervalSeconds))
                await accrue()
            }
        }
    }

    func accrue() async {
        do {
            for (tenant, bytes) in try await store.storageByTenant() {
                let charge = metering.schedule.storage(bytes: bytes, seconds: intervalSeconds)
                guard charge > 0 else { continue }
                metering.accounts.record(charge, for: tenant)
                metering.ledger.record(
                    GasCharge(
                        time: Date(), tenant: tenant.value, principal: "system", operation: "storage.accrual", repository: nil,
                        requestID: "storage-accountant", gas: charge, price: metering.feeMarket.baseFee, schedule: metering.schedule.version,
                        outOfGas: false))
            }
        } catch {
            logger.error("storage accrual failed", metadata: ["error": "\(error)"])
        }
    }
}
