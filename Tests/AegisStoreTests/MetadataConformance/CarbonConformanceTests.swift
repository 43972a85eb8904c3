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
            let byTenant = try await store.carbonLinesByTenant(from: Self.start, to: end)
            #expect(
                byTenant.map { "\($0.tenant) \($0.line.operation) \($0.line.count)" } == [
                    "acme manifest.get 2", "acme storage.accrual 1", "acme wasm.run 1", "globex manifest.get 1",
                ])
            #expect(byTenant.first?.line.operationalNanograms == 1200 && byTenant.allSatisfy { $0.line.repository == nil })
        }
    }
}

/// The queue of carbon-aware runs: kept, claimed once, finished, cancelled, interrupted.
@Suite struct DeferredRunConformanceTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func run(_ tenant: String = "acme", at offset: TimeInterval, region: String = "eastus") -> DeferredRunRecord {
        DeferredRunRecord(
            id: 0, tenant: tenant, principal: "alice", request: Data(#"{"reference":"acme/tool:v1"}"#.utf8), submittedAt: start,
            deadline: start.addingTimeInterval(7200), scheduledAt: start.addingTimeInterval(offset), region: region, submitIntensity: 300,
            scheduledIntensity: 120.5)
    }

    @Test(arguments: MetadataDriver.all)
    func runsAreClaimedOnceInSlotOrderAndEndOnce(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let late = try await store.insertDeferredRun(Self.run(at: 3600))
            let early = try await store.insertDeferredRun(Self.run(at: 60))
            let west = try await store.insertDeferredRun(Self.run(at: 0, region: "westus"))
            let other = try await store.insertDeferredRun(Self.run("globex", at: 30))
            #expect(early.id > late.id && early.state == .queued)
            #expect(try await store.queuedDeferredRuns(of: acme) == 3)
            #expect(try await store.queuedDeferredRuns(of: globex) == 1)
            #expect(try await store.deferredRun(early.id, of: acme) == early)
            #expect(try await store.deferredRun(other.id, of: acme) == nil)

            #expect(try await store.claimDueRuns(region: "eastus", now: Self.start.addingTimeInterval(10), limit: 10).isEmpty)
            let due = Self.start.addingTimeInterval(120)
            let claimed = try await store.claimDueRuns(region: "eastus", now: due, limit: 10)
            #expect(try await store.queuedDeferredRuns(of: acme) == 2)
            #expect(claimed.map(\.id) == [other.id, early.id])
            #expect(claimed.allSatisfy { $0.state == .running && $0.startedAt == due })
            // Claimed once: concurrent claimers of the same region get nothing more.
            let again = try await withThrowingTaskGroup(of: [DeferredRunRecord].self) { group in
                for _ in 0..<4 { group.addTask { try await store.claimDueRuns(region: "eastus", now: due, limit: 10) } }
                return try await group.reduce([]) { $0 + $1 }
            }
            #expect(again.isEmpty)

            let end = DeferredRunEnd(
                state: .finished, finishedAt: due.addingTimeInterval(1), runIntensity: 118, avoidedNanograms: 4242, outcome: "exit", gasUsed: 1500,
                stdout: Data("hello".utf8), stderr: Data())
            try await store.finishDeferredRun(early.id, end)
            try await store.finishDeferredRun(
                early.id, DeferredRunEnd(state: .failed, finishedAt: due, runIntensity: nil, avoidedNanograms: nil, outcome: "x", gasUsed: nil))
            let finished = try #require(try await store.deferredRun(early.id, of: acme))
            #expect(finished.state == .finished && finished.avoidedNanograms == 4242 && finished.runIntensity == 118)
            #expect(finished.outcome == "exit" && finished.gasUsed == 1500 && finished.finishedAt == due.addingTimeInterval(1))
            #expect(finished.stdout == Data("hello".utf8) && finished.stderr == Data())

            #expect(try await store.cancelDeferredRun(late.id, of: globex, at: due) == false)
            #expect(try await store.cancelDeferredRun(late.id, of: acme, at: due))
            #expect(try await store.cancelDeferredRun(late.id, of: acme, at: due) == false)
            #expect(try await store.cancelDeferredRun(early.id, of: acme, at: due) == false)
            #expect(try await store.deferredRun(late.id, of: acme)?.state == .cancelled)

            // globex's run was claimed and its node stopped.
            #expect(try await store.interruptDeferredRuns(region: "eastus", startedBefore: due, at: due) == 0)
            #expect(try await store.interruptDeferredRuns(region: "eastus", startedBefore: due.addingTimeInterval(1), at: due) == 1)
            #expect(try await store.deferredRun(other.id, of: globex)?.state == .interrupted)
            #expect(try await store.claimDueRuns(region: "westus", now: due, limit: 10).map(\.id) == [west.id])
            #expect(try await store.deferredRuns(of: acme, before: nil, limit: 2).map(\.id) == [west.id, early.id])
            #expect(try await store.deferredRuns(of: acme, before: early.id, limit: 10).map(\.id) == [late.id])
        }
    }
}
