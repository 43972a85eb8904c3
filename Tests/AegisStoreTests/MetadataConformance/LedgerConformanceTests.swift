import AegisCore
import AegisStore
import Foundation
import Testing

/// The gas ledger, gas settings, fee history, WASM runs and apps.
@Suite struct LedgerConformanceTests {
    @Test(arguments: MetadataDriver.all)
    func chargesAreSummedAndListedInOrder(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            func charge(_ gas: UInt64, at offset: TimeInterval, tenant: String = "acme") -> GasCharge {
                GasCharge(
                    time: start + offset, tenant: tenant, principal: "user:a", operation: "blob.get", repository: offset > 5 ? nil : "acme/x",
                    requestID: "r\(offset)", gas: gas, price: 3, schedule: "v1", outOfGas: gas == 0)
            }
            try await store.appendCharges([charge(100, at: 0), charge(50, at: 10), charge(7, at: 20, tenant: "globex"), charge(0, at: 30)])
            #expect(try await store.gasUsed(by: acme, since: start) == 150)
            #expect(try await store.gasUsed(by: acme, since: start + 5) == 50)
            let listed = try await store.charges(of: acme, from: start, to: start + 25)
            #expect(listed == [charge(100, at: 0), charge(50, at: 10)])
            #expect(listed.first?.amount == 300)

            try await store.transaction { tx in
                try tx.setGasBudget(1_000_000, of: acme)
                try tx.setMaxGasPrice(9, of: globex)
            }
            #expect(try await store.gasBudget(of: acme) == 1_000_000)
            #expect(try await store.maxGasPrice(of: globex) == 9)
            try await store.transaction { try $0.setGasBudget(nil, of: acme) }
            #expect(try await store.gasBudget(of: acme) == nil)
            await #expect { try await store.transaction { try $0.setMaxGasPrice(1, of: TenantID("nobody")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }

            for offset in [0.0, 60, 120] { try await store.appendPrice(GasPricePoint(time: start + offset, baseFee: UInt64(offset) + 1, gasUsed: 5)) }
            #expect(try await store.prices(limit: 2).map(\.baseFee) == [121, 61])
            try await store.prunePrices(olderThan: start + 60)
            #expect(try await store.prices(limit: 10).count == 2)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func runsArePagedNewestFirstAndAppsReplaced(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let runs = (0..<5).map { index in
                RunRecord(
                    time: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)), tenant: index == 4 ? "globex" : "acme", principal: "user:a",
                    requestID: "r\(index)", repository: "acme/app", digest: digest("m").description, component: nil, trigger: "api",
                    status: "exit", exitCode: Int32(index), gasUsed: 10, fuelUsed: 10_000, durationMs: 1.5)
            }
            try await store.transaction { try $0.insertRuns(runs) }
            let page = try await store.runs(of: acme, before: nil, limit: 2)
            #expect(page.map(\.requestID) == ["r3", "r2"])
            #expect(try await store.runs(of: acme, before: page.last?.id, limit: 10).map(\.requestID) == ["r1", "r0"])

            let deployed = Date(timeIntervalSince1970: 1_700_000_000)
            let app = AppRecord(
                tenant: "acme", name: "hello", repository: "acme/app", digest: "sha256:1", isPublic: false, deployedBy: "a", deployedAt: deployed)
            var moved = app
            moved.digest = "sha256:2"
            moved.isPublic = true
            try await store.transaction { [moved] tx in
                try tx.putApp(app)
                try tx.putApp(moved)
            }
            #expect(try await store.app("hello", of: acme) == moved)
            #expect(try await store.apps(of: acme) == [moved])
            #expect(try await store.transaction { try $0.deleteApp("hello", of: acme) })
            #expect(try await store.transaction { try $0.deleteApp("hello", of: acme) } == false)
        }
    }
}
