import AegisCore
import AegisGas
import AegisStore
import AegisStoreSQLite
import Foundation
import Testing

@Suite struct GasScheduleTests {
    @Test func bytesAreChargedPerStartedKiB() {
        let schedule = GasSchedule.standard
        #expect(schedule.ingress(bytes: 0) == 0)
        #expect(schedule.ingress(bytes: 1) == 2)
        #expect(schedule.ingress(bytes: 1024) == 2)
        #expect(schedule.ingress(bytes: 1025) == 4)
        #expect(schedule.egress(bytes: 1 << 30) == 1 << 20)
        #expect(schedule.intrinsic(.manifestPut) == 2000)
        #expect(schedule.intrinsic(.manifestHead) == 50)
    }
}

@Suite struct GasMeterTests {
    @Test func meterStopsAtItsLimitAndChargesTheLimit() throws {
        let meter = GasMeter(limit: 1000, price: 3)
        try meter.charge(600)
        #expect(meter.reading.used == 600)
        #expect {
            try meter.charge(500)
        } throws: { error in
            let error = error as? RegistryError
            return error?.code == .denied && error?.detail?["reason"] == "out_of_gas" && error?.detail?["gasUsed"] == "1000"
        }
        #expect(meter.reading.used == 1000)
        #expect(meter.reading.exhausted)
        #expect(throws: RegistryError.self) { try meter.charge(UInt64.max) }
    }
}

@Suite struct GasAccountsTests {
    func withStore(_ body: (SQLiteMetadataStore) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-gas-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteMetadataStore(path: path)
        _ = try await store.transaction { try $0.insertTenant(TenantID("acme")) }
        try await body(store)
        try store.close()
    }

    @Test func budgetsCountTheLedgerAndRefuseBeyond() async throws {
        try await withStore { store in
            let acme = try TenantID("acme")
            try await store.transaction { try $0.setGasBudget(10_000, of: acme) }
            try await store.appendCharges([
                GasCharge(
                    time: Date(), tenant: "acme", principal: "user:a", operation: "manifest.put", repository: "acme/app", requestID: "r",
                    gas: 6000, price: 1, schedule: "2026-11", outOfGas: false),
                // Last month's charges do not count against this month.
                GasCharge(
                    time: Date().addingTimeInterval(-40 * 86400), tenant: "acme", principal: "user:a", operation: "manifest.put",
                    repository: nil, requestID: "old", gas: 9000, price: 1, schedule: "2026-11", outOfGas: false),
            ])
            let accounts = GasAccounts(store: store, defaultBudget: nil)
            let first = try await accounts.reserve(3000, for: acme)
            await #expect {
                _ = try await accounts.reserve(2000, for: acme)
            } throws: { ($0 as? RegistryError)?.detail?["reason"] == "budget_exhausted" }
            accounts.settle(first, used: 1000)
            #expect(accounts.snapshot(acme)?.used == 7000)
            #expect(accounts.snapshot(acme)?.reserved == 0)
            _ = try await accounts.reserve(3000, for: acme)
        }
    }

    @Test func chargesReadBackExactlyAsAppended() async throws {
        try await withStore { store in
            let charges = [
                GasCharge(
                    time: Date(timeIntervalSince1970: 1_790_000_000.25), tenant: "acme", principal: "", operation: "manifest.get",
                    repository: nil, requestID: "r1", gas: UInt64(Int64.max), price: 7, schedule: "2026-11", outOfGas: true),
                GasCharge(
                    time: Date(timeIntervalSince1970: 1_790_000_001), tenant: "acme", principal: "user:ünïcode", operation: "blob.get",
                    repository: "acme/app", requestID: String(repeating: "f", count: 32), gas: 0, price: 0, schedule: "", outOfGas: false),
            ]
            try await store.appendCharges(charges)
            #expect(try await store.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture) == charges)
        }
    }

    @Test func ledgerIsAppendOnly() async throws {
        try await withStore { store in
            try await store.appendCharges([
                GasCharge(
                    time: Date(), tenant: "acme", principal: "p", operation: "blob.get", repository: nil, requestID: "r", gas: 5, price: 2,
                    schedule: "2026-11", outOfGas: false)
            ])
            #expect(try await store.gasUsed(by: TenantID("acme"), since: .distantPast) == 5)
            #expect(try await store.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture).first?.amount == 10)
        }
    }
}

@Suite struct FeeMarketTests {
    /// Values from EIP-1559's rule with a 1 gwei parent and a 15M target (30M block gas limit).
    @Test(arguments: [
        (UInt64(30_000_000), UInt64(1_125_000_000)),  // full block: +12.5 %
        (0, 875_000_000),  // empty block: −12.5 %
        (15_000_000, 1_000_000_000),  // on target: unchanged
        (20_000_000, 1_041_666_666),
        (10_000_000, 958_333_334),
    ])
    func baseFeeFollowsEIP1559(used: UInt64, expected: UInt64) {
        #expect(FeeMarket.nextBaseFee(parent: 1_000_000_000, gasUsed: used, gasTarget: 15_000_000) == expected)
    }

    @Test func aTinyBaseFeeStillRisesAndNeverFallsBelowTheFloor() {
        #expect(FeeMarket.nextBaseFee(parent: 1, gasUsed: 20, gasTarget: 10) == 2)
        let market = FeeMarket(capacity: 1000, floor: 5)
        market.record(1000)
        #expect(market.advance().baseFee == 6)
        for _ in 0..<50 { market.advance() }
        #expect(market.baseFee == 5)
        #expect(FeeMarket.nextBaseFee(parent: .max, gasUsed: .max, gasTarget: 1) == .max)
    }
}

@Suite struct GasAnomalyDetectorTests {
    @Test func aSpikeFarAboveTheTenantsOwnRateIsFlaggedOnce() throws {
        let detector = GasAnomalyDetector()
        let acme = try TenantID("acme")
        let globex = try TenantID("globex")
        var flagged: [GasAnomalyDetector.Anomaly] = []
        for interval in 0..<20 {
            // acme: steady around 200k with noise; globex: steady 1M, then one interval at 10M.
            let usage: [TenantID: UInt64] = [acme: 200_000 + UInt64(interval % 3) * 10_000, globex: interval == 15 ? 10_000_000 : 1_000_000]
            flagged += detector.observe(usage)
        }
        #expect(flagged.map(\.tenant) == [globex])
        #expect(flagged.first?.observed == 10_000_000)
        #expect((flagged.first?.zScore ?? 0) >= 4)
    }

    @Test func warmupAndMinimumKeepSmallTenantsQuiet() throws {
        let detector = GasAnomalyDetector()
        let small = try TenantID("small")
        var flagged = 0
        for interval in 0..<20 { flagged += detector.observe([small: interval == 10 ? 50_000 : 10]).count }
        #expect(flagged == 0)
        #expect(detector.observe([small: 90_000_000]).count == 1)
    }
}

@Suite struct StorageGasTests {
    @Test func storageGasIsProRataAndRoundsUp() {
        let schedule = GasSchedule.standard
        #expect(schedule.storage(bytes: 1 << 30, seconds: 3600) == 100)
        #expect(schedule.storage(bytes: 10 << 30, seconds: 36) == 10)
        #expect(schedule.storage(bytes: 1, seconds: 1) == 1)
        #expect(schedule.storage(bytes: 0, seconds: 3600) == 0)
        #expect(schedule.storage(bytes: Int64.max, seconds: 86400) > 0)
    }
}
