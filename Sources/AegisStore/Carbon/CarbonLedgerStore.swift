import AegisCore
import Foundation

/// One row of the carbon ledger: what one request, run, storage interval or stretch of idle time
/// drew and emitted. Appended once, never updated. Energy is kept in its parts (PUE included) and
/// apart from the intensity it was multiplied by, so that SCI can be recomputed when an
/// intensity is corrected.
public struct CarbonCharge: Sendable, Hashable, Codable {
    public var time: Date
    public var tenant: String
    public var principal: String
    public var operation: String
    public var repository: String?
    public var requestID: String
    /// CPU time counted for it, microseconds.
    public var cpuMicros: Int64
    /// Whether `cpuMicros` was measured for it alone (a WASM run's thread), not a share of the process's.
    public var cpuMeasured: Bool
    /// Energy, microjoules: compute (vCPUs, idle draw included), memory, storage, network.
    public var computeMicrojoules: Int64
    public var memoryMicrojoules: Int64
    public var storageMicrojoules: Int64
    public var networkMicrojoules: Int64
    public var bytesIn: Int64
    public var bytesOut: Int64
    /// gCO2e per kWh the energy was multiplied by.
    public var intensity: Double
    /// Where the intensity came from: `table:<cloud>:<region>`, `live:<location>`, `forecast:<location>`,
    /// or `fallback:table:…` when the configured source failed.
    public var intensitySource: String
    /// How the energy was found: `ccf` (the model) or `rapl` (measured package energy, attributed).
    public var energySource: String
    /// Operational (energy × intensity) and embodied emissions, nanograms CO2e.
    public var operationalNanograms: Int64
    public var embodiedNanograms: Int64

    public init(
        time: Date, tenant: String, principal: String, operation: String, repository: String?, requestID: String, cpuMicros: Int64,
        cpuMeasured: Bool, computeMicrojoules: Int64, memoryMicrojoules: Int64, storageMicrojoules: Int64, networkMicrojoules: Int64,
        bytesIn: Int64, bytesOut: Int64, intensity: Double, intensitySource: String, energySource: String, operationalNanograms: Int64,
        embodiedNanograms: Int64
    ) {
        self.time = time
        self.tenant = tenant
        self.principal = principal
        self.operation = operation
        self.repository = repository
        self.requestID = requestID
        self.cpuMicros = cpuMicros
        self.cpuMeasured = cpuMeasured
        self.computeMicrojoules = computeMicrojoules
        self.memoryMicrojoules = memoryMicrojoules
        self.storageMicrojoules = storageMicrojoules
        self.networkMicrojoules = networkMicrojoules
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.intensity = intensity
        self.intensitySource = intensitySource
        self.energySource = energySource
        self.operationalNanograms = operationalNanograms
        self.embodiedNanograms = embodiedNanograms
    }

    /// All its energy, microjoules.
    public var energyMicrojoules: Int64 { computeMicrojoules + memoryMicrojoules + storageMicrojoules + networkMicrojoules }
}

/// Sums of a tenant's carbon rows for one repository and operation.
public struct CarbonLine: Sendable, Hashable, Codable {
    public var repository: String?
    public var operation: String
    public var count: Int
    public var cpuMicros: Int64
    public var computeMicrojoules: Int64
    public var memoryMicrojoules: Int64
    public var storageMicrojoules: Int64
    public var networkMicrojoules: Int64
    public var bytesIn: Int64
    public var bytesOut: Int64
    public var operationalNanograms: Int64
    public var embodiedNanograms: Int64

    public init(
        repository: String?, operation: String, count: Int, cpuMicros: Int64, computeMicrojoules: Int64, memoryMicrojoules: Int64,
        storageMicrojoules: Int64, networkMicrojoules: Int64, bytesIn: Int64, bytesOut: Int64, operationalNanograms: Int64,
        embodiedNanograms: Int64
    ) {
        self.repository = repository
        self.operation = operation
        self.count = count
        self.cpuMicros = cpuMicros
        self.computeMicrojoules = computeMicrojoules
        self.memoryMicrojoules = memoryMicrojoules
        self.storageMicrojoules = storageMicrojoules
        self.networkMicrojoules = networkMicrojoules
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.operationalNanograms = operationalNanograms
        self.embodiedNanograms = embodiedNanograms
    }

    public var energyMicrojoules: Int64 { computeMicrojoules + memoryMicrojoules + storageMicrojoules + networkMicrojoules }
}

/// The append-only carbon ledger.
public protocol CarbonLedgerStore: Sendable {
    /// Appends rows in one transaction.
    func appendCarbonCharges(_ charges: [CarbonCharge]) async throws
    /// A tenant's rows in `[from, to)` in the order they were written, `limit` at most after the
    /// row `after` (a cursor: the `id` of the page's last row, 0 to start).
    func carbonCharges(of tenant: TenantID, from: Date, to: Date, after: Int64, limit: Int) async throws -> [(id: Int64, charge: CarbonCharge)]
    /// A tenant's rows in `[from, to)` summed by repository and operation, sorted by both.
    func carbonLines(of tenant: TenantID, from: Date, to: Date) async throws -> [CarbonLine]
    /// Every tenant's rows in `[from, to)` summed by operation (`repository` nil), sorted by tenant and operation.
    func carbonLinesByTenant(from: Date, to: Date) async throws -> [(tenant: String, line: CarbonLine)]
}
