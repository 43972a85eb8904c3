import AegisCarbon
import AegisStore
import Foundation
import Logging
import Synchronization
import Testing

/// A process whose CPU clock and memory the test sets.
final class ScriptedProcess: ProcessSampler {
    let state = Mutex<(cpu: Double, resident: Int64)>((10, 1 << 30))
    func cpuSeconds() -> Double { state.withLock { $0.cpu } }
    func residentBytes() -> Int64 { state.withLock { $0.resident } }
    func use(_ seconds: Double) { state.withLock { $0.cpu += seconds } }
}

/// A fixed scripted workload, every figure computed by hand from CCF's coefficients (AWS: 0.74
/// and 3.5 W per vCPU, PUE 1.135, 0.000392 kWh per GB-hour, us-east-1 379.069 g/kWh, 1,000 kg
/// over 35,040 h).
@Suite struct CarbonAccountantTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    let process = ScriptedProcess()

    func accountant() throws -> CarbonAccountant {
        var settings = CarbonSettings()
        settings.vcpus = 2
        settings.region = "us-east-1"
        return CarbonAccountant(
            model: try EnergyModel(settings, objectStorage: false, cores: 2),
            intensity: GridIntensity(table: try GridIntensity.tableReading(settings), live: nil, refreshSeconds: 300, logger: Logger(label: "test")),
            sampler: process, now: Self.start)
    }

    func usage(_ tenant: String, _ operation: String, gas: UInt64, bytesOut: Int64 = 0, cpu: Duration? = nil) -> CarbonUsage {
        CarbonUsage(
            time: Self.start.addingTimeInterval(0.5), tenant: tenant, principal: "alice", operation: operation, repository: "\(tenant)/app",
            requestID: "\(tenant)-\(operation)", gas: gas, bytesIn: 0, bytesOut: bytesOut, cpu: cpu)
    }

    @Test func anIntervalIsSharedByGasAndMeasuredRunsKeepTheirOwnCPU() async throws {
        let accountant = try accountant()
        accountant.record(usage("acme", "manifest.get", gas: 300, bytesOut: 1000))
        accountant.record(usage("globex", "blob.head", gas: 100))
        accountant.record(usage("acme", "wasm.run", gas: 5000, cpu: .milliseconds(200)))
        process.use(0.8)
        let rows = await accountant.close(now: Self.start.addingTimeInterval(1))
        #expect(rows.map(\.operation) == ["manifest.get", "blob.head", "wasm.run"])
        // 0.8 s of CPU: the run's measured 0.2, the other 0.6 split 300 : 100.
        #expect(rows.map(\.cpuMicros) == [450_000, 150_000, 200_000])
        #expect(rows.map(\.cpuMeasured) == [false, false, true])
        let compute = (2 * 1 * 0.74 + 0.8 * (3.5 - 0.74)) * 1.135
        let memory = 1 * (1.0 / 3600) * 0.000392 * 3_600_000 * 1.135
        let embodied = 1_000_000 * (1.0 / 3600 / 35_040) * (2.0 / 2)
        for (row, share) in zip(rows, [0.45 / 0.8, 0.15 / 0.8, 0.2 / 0.8]) {
            // Equal to the hand computation at the ledger's resolution (a µJ, a ng), rounding aside.
            #expect(abs(row.computeMicrojoules - Int64((compute * share * 1e6).rounded())) <= 1)
            #expect(abs(row.memoryMicrojoules - Int64((memory * share * 1e6).rounded())) <= 1)
            #expect(row.storageMicrojoules == 0 && row.networkMicrojoules == 0)
            let joules = compute * share + memory * share
            #expect(abs(row.operationalNanograms - Int64((joules / 3_600_000 * 379.069 * 1e9).rounded())) <= 1)
            #expect(abs(row.embodiedNanograms - Int64((embodied * share * 1e9).rounded())) <= 1)
            #expect(row.intensity == 379.069 && row.intensitySource == "table:aws:us-east-1" && row.energySource == "ccf")
        }
        #expect(rows[0].bytesOut == 1000)
        // The interval's rows add up to what the process drew in it.
        let total = rows.reduce(0) { $0 + $1.computeMicrojoules }
        #expect(abs(total - Int64((compute * 1e6).rounded())) <= 2)
    }

    @Test func idleIntervalsAddUpIntoOneRegistryRowAMinute() async throws {
        let accountant = try accountant()
        var rows: [CarbonCharge] = []
        for second in 1...59 {
            process.use(0.01)
            rows += await accountant.close(now: Self.start.addingTimeInterval(Double(second)))
        }
        #expect(rows.isEmpty)
        process.use(0.01)
        rows = await accountant.close(now: Self.start.addingTimeInterval(60))
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.tenant == "_registry" && row.operation == "registry.idle")
        #expect(row.cpuMicros == 600_000)
        let compute = (2 * 60 * 0.74 + 0.6 * (3.5 - 0.74)) * 1.135
        #expect(abs(row.computeMicrojoules - Int64((compute * 1e6).rounded())) <= 1)
        let embodied = 1_000_000 * (60.0 / 3600 / 35_040)
        #expect(abs(row.embodiedNanograms - Int64((embodied * 1e9).rounded())) <= 1)
        // A request afterwards gets only its own interval.
        accountant.record(usage("acme", "manifest.get", gas: 100))
        process.use(0.001)
        let next = await accountant.close(now: Self.start.addingTimeInterval(61))
        #expect(next.map(\.cpuMicros) == [1000])
    }

    /// CCF: SSD, 1.2 Wh per TB-hour, one copy on local files.
    @Test func storageIsChargedPerTenantForItsInterval() async throws {
        let row = try await accountant().storage(tenant: "acme", bytes: 1 << 40, seconds: 3600, now: Self.start)
        #expect(row.storageMicrojoules == Int64((1.2 * 1.135 * 3600 * 1e6).rounded()))
        #expect(row.operationalNanograms == Int64((1.2 * 1.135 / 1000 * 379.069 * 1e9).rounded()))
        #expect(row.embodiedNanograms == 0 && row.operation == "storage.accrual")
    }
}

/// An intensity source the test controls.
final class ScriptedSource: IntensitySource {
    let value = Mutex<Double?>(nil)
    let reads = Mutex(0)
    var name: String { "live:test-zone" }
    var location: String { "test-zone" }
    func current(at date: Date) async throws -> Double {
        reads.withLock { $0 += 1 }
        guard let value = value.withLock({ $0 }) else { throw IntensitySourceError("down") }
        return value
    }
    func forecast(for location: String, from: Date, to: Date) async throws -> [ForecastPoint] { [] }
}

@Suite struct GridIntensityTests {
    @Test func aFailingSourceFallsBackToTheTableAndSaysSo() async throws {
        let source = ScriptedSource()
        let table = IntensityReading(gramsPerKWh: 379.069, source: "table:aws:us-east-1")
        let intensity = GridIntensity(table: table, live: source, refreshSeconds: 300, logger: Logger(label: "test"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(await intensity.current(start) == IntensityReading(gramsPerKWh: 379.069, source: "fallback:table:aws:us-east-1"))
        source.value.withLock { $0 = 120 }
        // A failure is asked again within a minute, a reading kept for the refresh interval.
        #expect(await intensity.current(start.addingTimeInterval(30)).source == "fallback:table:aws:us-east-1")
        #expect(await intensity.current(start.addingTimeInterval(61)) == IntensityReading(gramsPerKWh: 120, source: "live:test-zone"))
        source.value.withLock { $0 = 90 }
        #expect(await intensity.current(start.addingTimeInterval(300)).gramsPerKWh == 120)
        #expect(await intensity.current(start.addingTimeInterval(362)).gramsPerKWh == 90)
        #expect(source.reads.withLock { $0 } == 3)
    }
}
