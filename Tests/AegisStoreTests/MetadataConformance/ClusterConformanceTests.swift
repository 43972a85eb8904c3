import AegisCore
import AegisStore
import Foundation
import Testing

/// What nodes share: signing keys, gas balances, leadership.
@Suite struct ClusterConformanceTests {
    @Test(arguments: MetadataDriver.all)
    func signingKeysAreKeptNewestFirstAndPruned(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let old = SigningKeyRecord(kid: "old", createdAt: Date(timeIntervalSince1970: 1_700_000_000), privateKeyPEM: "pem-old")
            let new = SigningKeyRecord(kid: "new", createdAt: Date(timeIntervalSince1970: 1_700_086_400), privateKeyPEM: "pem-new")
            try await store.insertSigningKey(old)
            try await store.insertSigningKey(new)
            var clash = new
            clash.privateKeyPEM = "another"
            try await store.insertSigningKey(clash)
            #expect(try await store.signingKeys() == [new, old])
            try await store.deleteSigningKeys(createdBefore: Date(timeIntervalSince1970: 1_700_000_001))
            #expect(try await store.signingKeys() == [new])
        }
    }

    @Test(arguments: MetadataDriver.all)
    func reservationsStopAtTheBudgetAndSettlementsMoveTheBalance(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let period = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(try await store.reserveGas(1, of: acme, period: period, budget: 100) == nil)
            try await store.openGasBalance(of: acme, period: period, used: 40)
            try await store.openGasBalance(of: acme, period: period, used: 0)
            #expect(try await store.gasBalance(of: acme, period: period) == GasBalance(used: 40, reserved: 0))
            #expect(try await store.reserveGas(50, of: acme, period: period, budget: 100) == GasBalance(used: 40, reserved: 50))
            #expect(try await store.reserveGas(11, of: acme, period: period, budget: 100) == nil)
            #expect(try await store.reserveGas(10, of: acme, period: period, budget: 100) == GasBalance(used: 40, reserved: 60))
            #expect(try await store.reserveGas(UInt64.max, of: acme, period: period, budget: .max) == nil)
            try await store.settleGas([
                GasSettlement(tenant: acme, period: period, released: 50, used: 45),
                GasSettlement(tenant: acme, period: period, released: 10, used: 10),
                GasSettlement(tenant: globex, period: period, released: 1, used: 1),
            ])
            #expect(try await store.gasBalance(of: acme, period: period) == GasBalance(used: 95, reserved: 0))
            #expect(try await store.gasBalance(of: globex, period: period) == nil)
            #expect(try await store.gasBalance(of: acme, period: period.addingTimeInterval(1)) == nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func balancesAreListedPerPeriodAndAdjustedByADelta(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let period = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.openGasBalance(of: acme, period: period, used: 40)
            try await store.openGasBalance(of: globex, period: period, used: 7)
            try await store.openGasBalance(of: acme, period: period.addingTimeInterval(-86_400), used: 1)
            _ = try await store.reserveGas(5, of: acme, period: period, budget: 100)
            #expect(
                try await store.gasBalances(period: period) == [
                    acme: GasBalance(used: 40, reserved: 5), globex: GasBalance(used: 7, reserved: 0),
                ])
            try await store.adjustGasBalance(of: acme, period: period, by: 15)
            try await store.adjustGasBalance(of: globex, period: period, by: -100)
            try await store.adjustGasBalance(of: acme, period: period.addingTimeInterval(1), by: 3)
            #expect(try await store.gasBalance(of: acme, period: period) == GasBalance(used: 55, reserved: 5))
            #expect(try await store.gasBalance(of: globex, period: period) == GasBalance(used: 0, reserved: 0))
            #expect(try await store.gasBalances(period: period.addingTimeInterval(1)).isEmpty)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func concurrentReservationsNeverPassTheBudget(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let period = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.openGasBalance(of: acme, period: period, used: 0)
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<60 { group.addTask { try await store.reserveGas(10, of: acme, period: period, budget: 300) != nil } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 30)
            #expect(try await store.gasBalance(of: acme, period: period) == GasBalance(used: 0, reserved: 300))
        }
    }

    @Test(arguments: MetadataDriver.all)
    func gasIsSummedPerTenantOverAnInterval(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            func charge(_ tenant: TenantID, _ seconds: Double, _ gas: UInt64) -> GasCharge {
                GasCharge(
                    time: Date(timeIntervalSince1970: 1_700_000_000 + seconds), tenant: tenant.value, principal: "p", operation: "blob.pull",
                    repository: nil, requestID: "r", gas: gas, price: 1, schedule: "v1", outOfGas: false)
            }
            try await store.appendCharges([charge(acme, 0, 5), charge(acme, 5, 7), charge(globex, 9, 3), charge(acme, 10, 100)])
            let used = try await store.gasUsedByTenant(
                from: Date(timeIntervalSince1970: 1_700_000_000), to: Date(timeIntervalSince1970: 1_700_000_010))
            #expect(used == [acme: 12, globex: 3])
        }
    }

    @Test(arguments: MetadataDriver.all)
    func oneLeaderAtATime(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let first = store.leadership("fee-market")
            let second = store.leadership("fee-market")
            #expect(await first.acquire())
            #expect(await first.acquire())
            // A store no one else opens has one process: every lease leads.
            #expect(await second.acquire() == !store.isShared)
            let other = store.leadership("other")
            #expect(await other.acquire())
            await other.release()
            await first.release()
            #expect(await second.acquire())
            await second.release()
            // Released is over: work still winding down at shutdown cannot take it again.
            #expect(await first.acquire() == false)
            #expect(await second.acquire() == false)
            let third = store.leadership("fee-market")
            #expect(await third.acquire())
            await third.release()
        }
    }
}
