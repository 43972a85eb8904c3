import AegisCore
import AegisStore
import Foundation
import Testing

/// The carbon ledger: rows kept whole, paged in order, summed per repository and operation.
@Suite struct CarbonConformanceTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func row(
        _ tenant: String, _ operation: String, repository: String? = "acme/app", at offset: TimeInterval, energy: Int64, grams: Int64
    ) -> CarbonCharge {
        CarbonCharge(
            time: start.addingTimeInterval(offset), tenant: tenant, principal: "alice", operation: operation, repository: repository,
            requestID: "r\(offset)", cpuMicros: energy / 10, cpuMeasured: operation == "wasm.run", computeMicrojoules: energy,
            memoryMicrojoules: energy / 2, storageMicrojoules: operation == "storage.accrual" ? energy * 3 : 0, networkMicrojoules: 7,
            bytesIn: 100, bytesOut: 2000, intensity: 379.069, intensitySource: "table:aws:us-east-1", energySource: "ccf",
            operationalNanograms: grams, embodiedNanograms: grams / 4)
    }

    @Test(arguments: MetadataDriver.all)
    func rowsAreKeptWholePagedInOrderAndSummed(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let rows = [
                Self.row("acme", "manifest.get", at: 0, energy: 1000, grams: 400),
                Self.row("acme", "manifest.get", at: 1, energy: 3000, grams: 800),
                Self.row("acme", "wasm.run", at: 2, energy: 50_000, grams: 9000),
                Self.row("acme", "storage.accrual", repository: nil, at: 3, energy: 10, grams: 5),
                Self.row("globex", "manifest.get", repository: "globex/app", at: 4, energy: 99, grams: 1),
                Self.row("acme", "manifest.get", at: 7200, energy: 1, grams: 1),
            ]
            try await store.appendCarbonCharges(rows)
            try await store.appendCarbonCharges([])
            let end = Self.start.addingTimeInterval(3600)
            let first = try await store.carbonCharges(of: acme, from: Self.start, to: end, after: 0, limit: 3)
            #expect(first.map(\.charge) == Array(rows[0..<3]))
            let rest = try await store.carbonCharges(of: acme, from: Self.start, to: end, after: try #require(first.last?.id), limit: 3)
            #expect(rest.map(\.charge) == [rows[3]])
            #expect(first.map(\.id) == first.map(\.id).sorted())

            let lines = try await store.carbonLines(of: acme, from: Self.start, to: end)
            #expect(lines.map(\.operation) == ["storage.accrual", "manifest.get", "wasm.run"])
            let gets = try #require(lines.first { $0.operation == "manifest.get" })
            #expect(gets.repository == "acme/app" && gets.count == 2)
            #expect(gets.computeMicrojoules == 4000 && gets.memoryMicrojoules == 2000 && gets.networkMicrojoules == 14)
            #expect(gets.cpuMicros == 400 && gets.bytesIn == 200 && gets.bytesOut == 4000)
            #expect(gets.operationalNanograms == 1200 && gets.embodiedNanograms == 300)
            #expect(lines.first?.repository == nil && lines.first?.storageMicrojoules == 30)
            #expect(try await store.carbonLines(of: globex, from: Self.start, to: end).map(\.count) == [1])
        }
    }
}
