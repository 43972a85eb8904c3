import AegisCore
import AegisGas
import AegisOperations
import AegisServer
import AegisStore
import Foundation
import Logging
import Testing

/// The fee market of a cluster: the leader moves the base fee from the whole ledger's gas and
/// stores it; the other nodes adopt what it stored.
@Suite struct ClusterFeeMarketTests {
    func metering(_ store: any MetadataStore) -> Metering {
        Metering(
            schedule: .standard, settings: GasSettings(), accounts: GasAccounts(store: store, defaultBudget: nil), ledger: GasLedgerLog(),
            feeMarket: FeeMarket(capacity: 1000, floor: 5), observer: NoUsageObserver())
    }

    func interval(_ metering: Metering, _ store: any MetadataStore) -> FeeMarketInterval {
        FeeMarketInterval(
            metering: metering, detector: GasAnomalyDetector(), audit: AuditLog(), store: store, observer: NoUsageObserver(),
            logger: Logger(label: "test"))
    }

    @Test func theLeaderPricesTheWholeClustersGasAndTheOthersFollow() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let store = storage.metadata
        let now = Date()
        // What two nodes charged in the last interval (ending 1 s ago, the ledger's lag): 1,500 gas,
        // three times the target of 500; and a charge from before the interval that must not count.
        let charges = [(now.addingTimeInterval(-5), 900), (now.addingTimeInterval(-3), 600), (now.addingTimeInterval(-30), 10_000)].map {
            GasCharge(
                time: $0.0, tenant: "acme", principal: "p", operation: "blob.pull", repository: nil, requestID: "r", gas: UInt64($0.1),
                price: 5, schedule: "v1", outOfGas: false)
        }
        try await store.appendCharges(charges)
        try await store.appendPrice(GasPricePoint(time: now.addingTimeInterval(-12), baseFee: 80, gasUsed: 0))

        let leader = metering(store)
        await interval(leader, store).endAsLeader(interval: 12, now: now)
        // From the stored 80, not the leader's own 5: +1/8 × (1500 − 500) / 500 = +25%.
        #expect(leader.feeMarket.baseFee == 100)
        let latest = try #require(try await store.prices(limit: 1).first)
        #expect(latest.baseFee == 100 && latest.gasUsed == 1500)

        let follower = metering(store)
        #expect(follower.feeMarket.baseFee == 5)
        await interval(follower, store).follow()
        #expect(follower.feeMarket.baseFee == 100)
    }
}
