import AegisStore
import Foundation
import Synchronization

/// What the accountant needs of one settled request or run.
public struct CarbonUsage: Sendable, Hashable {
    public var time: Date
    public var tenant: String
    public var principal: String
    public var operation: String
    public var repository: String?
    public var requestID: String
    /// Its gas: the weight by which it shares the process's CPU with the other requests of its interval.
    public var gas: UInt64
    public var bytesIn: Int64
    public var bytesOut: Int64
    /// CPU time measured for it alone (a WASM run's thread); nil takes a share.
    public var cpu: Duration?

    public init(
        time: Date, tenant: String, principal: String, operation: String, repository: String?, requestID: String, gas: UInt64,
        bytesIn: Int64, bytesOut: Int64, cpu: Duration?
    ) {
        self.time = time
        self.tenant = tenant
        self.principal = principal
        self.operation = operation
        self.repository = repository
        self.requestID = requestID
        self.gas = gas
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.cpu = cpu
    }
}

/// Turns what the process measurably used into carbon ledger rows. Requests are recorded as they
/// settle; every interval `close` reads the process's CPU time and resident memory and splits the
/// interval's energy among the requests settled in it:
///
/// - a WASM run is counted its own thread's CPU time, measured;
/// - the rest of the process's CPU time is shared among the other requests in proportion to
///   their gas (the schedule's estimate of the work each did);
/// - the vCPUs' idle draw, memory and the embodied share of the interval follow the CPU shares;
/// - bytes crossing regions are each request's own.
///
/// The total is exact (the rows of an interval add up to what the process used in it); the split
/// within an interval is an estimate. Intervals in which nothing settled add up into one
/// `registry.idle` row of the registry's own account a minute.
public final class CarbonAccountant: Sendable {
    public let model: EnergyModel
    public let intensity: GridIntensity
    private let sampler: any ProcessSampler
    private let energyMeter: (any EnergyMeter)?
    private let pending = Mutex<[CarbonUsage]>([])
    private let state: Mutex<State>

    private struct State {
        var time: Date
        var cpuSeconds: Double
        var energy: EnergyReading?
        var idle = Idle()
    }

    /// What intervals without requests drew, until it is written.
    private struct Idle {
        var since: Date?
        var cpuSeconds = 0.0
        var computeJoules = 0.0
        var memoryJoules = 0.0
        var operationalGrams = 0.0
        var embodiedGrams = 0.0
    }

    /// Seconds of idle intervals gathered into one row.
    static let idleRowSeconds = 60.0

    /// - Parameter energyMeter: Measured energy (RAPL) to use instead of the model's compute estimate.
    public init(model: EnergyModel, intensity: GridIntensity, sampler: any ProcessSampler, energyMeter: (any EnergyMeter)? = nil, now: Date = Date())
    {
        self.model = model
        self.intensity = intensity
        self.sampler = sampler
        self.energyMeter = energyMeter
        state = Mutex(State(time: now, cpuSeconds: sampler.cpuSeconds(), energy: energyMeter?.read()))
    }

    /// Records a settled request (cheap: it is only queued).
    public func record(_ usage: CarbonUsage) {
        pending.withLock { $0.append(usage) }
    }

    /// The row of one tenant's storage over `seconds` (from the storage accountant).
    public func storage(tenant: String, bytes: Int64, seconds: Double, now: Date = Date()) async -> CarbonCharge {
        let reading = await intensity.current(now)
        let joules = model.storageJoules(bytes: bytes, seconds: seconds)
        return CarbonCharge(
            time: now, tenant: tenant, principal: "system", operation: "storage.accrual", repository: nil, requestID: "storage-accountant",
            cpuMicros: 0, cpuMeasured: false, computeMicrojoules: 0, memoryMicrojoules: 0, storageMicrojoules: Self.micro(joules),
            networkMicrojoules: 0, bytesIn: 0, bytesOut: 0, intensity: reading.gramsPerKWh, intensitySource: reading.source,
            energySource: "ccf", operationalNanograms: Self.nano(EnergyModel.grams(joules: joules, intensity: reading.gramsPerKWh)),
            embodiedNanograms: 0)
    }

    /// Closes the interval since the last call and returns its rows.
    public func close(now: Date = Date()) async -> [CarbonCharge] {
        let reading = await intensity.current(now)
        let usages = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        let cpuNow = sampler.cpuSeconds()
        let resident = sampler.residentBytes()
        let energyNow = energyMeter?.read()
        let (seconds, cpu, measuredJoules) = state.withLock { state -> (Double, Double, Double?) in
            defer {
                state.time = now
                state.cpuSeconds = cpuNow
                state.energy = energyNow
            }
            let seconds = max(0, now.timeIntervalSince(state.time))
            let cpu = max(0, cpuNow - state.cpuSeconds)
            var measured: Double?
            if let energyNow, let previous = state.energy { measured = energyNow.attributed(since: previous, processCPU: cpu) }
            return (seconds, cpu, measured)
        }
        let interval = Interval(
            model: model, seconds: seconds, cpuSeconds: cpu, residentBytes: resident, measuredJoules: measuredJoules, reading: reading)
        guard !usages.isEmpty else { return idle(interval, now: now) }
        return share(interval, among: usages)
    }

    /// One interval's draw, before it is shared.
    private struct Interval {
        var seconds: Double
        var cpuSeconds: Double
        var computeJoules: Double
        var memoryJoules: Double
        var embodiedGrams: Double
        var reading: IntensityReading
        var energySource: String

        init(model: EnergyModel, seconds: Double, cpuSeconds: Double, residentBytes: Int64, measuredJoules: Double?, reading: IntensityReading) {
            self.seconds = seconds
            self.cpuSeconds = cpuSeconds
            if let measuredJoules {
                computeJoules = measuredJoules * model.pue
                energySource = "rapl"
            } else {
                let (idle, busy) = model.computeJoules(cpuSeconds: cpuSeconds, seconds: seconds)
                computeJoules = idle + busy
                energySource = "ccf"
            }
            memoryJoules = model.memoryJoules(bytes: residentBytes, seconds: seconds)
            embodiedGrams = model.embodiedGrams(seconds: seconds)
            self.reading = reading
        }
    }

    private func share(_ interval: Interval, among usages: [CarbonUsage]) -> [CarbonCharge] {
        let measured = usages.reduce(0.0) { $0 + ($1.cpu.map(Self.seconds) ?? 0) }
        let shared = max(0, interval.cpuSeconds - measured)
        let weights = usages.reduce(0.0) { $0 + ($1.cpu == nil ? Double($1.gas) : 0) }
        let unmeasured = usages.filter { $0.cpu == nil }.count
        let cpus = usages.map { usage -> Double in
            if let cpu = usage.cpu { return Self.seconds(cpu) }
            return weights > 0 ? shared * Double(usage.gas) / weights : shared / Double(unmeasured)
        }
        let total = cpus.reduce(0, +)
        // The energy of the measured runs' CPU is counted even when the process's own clock,
        // read at the interval's ends, saw less of it.
        var computeJoules = interval.computeJoules
        if total > interval.cpuSeconds, interval.energySource == "ccf" {
            let (idle, busy) = model.computeJoules(cpuSeconds: total, seconds: interval.seconds)
            computeJoules = idle + busy
        }
        return zip(usages, cpus).map { usage, cpu in
            let share = total > 0 ? cpu / total : 1 / Double(usages.count)
            let compute = computeJoules * share
            let memory = interval.memoryJoules * share
            let network = model.networkJoules(bytes: usage.bytesIn + usage.bytesOut)
            let operational = EnergyModel.grams(joules: compute + memory + network, intensity: interval.reading.gramsPerKWh)
            return CarbonCharge(
                time: usage.time, tenant: usage.tenant, principal: usage.principal, operation: usage.operation, repository: usage.repository,
                requestID: usage.requestID, cpuMicros: Self.micro(cpu), cpuMeasured: usage.cpu != nil, computeMicrojoules: Self.micro(compute),
                memoryMicrojoules: Self.micro(memory), storageMicrojoules: 0, networkMicrojoules: Self.micro(network), bytesIn: usage.bytesIn,
                bytesOut: usage.bytesOut, intensity: interval.reading.gramsPerKWh, intensitySource: interval.reading.source,
                energySource: interval.energySource, operationalNanograms: Self.nano(operational),
                embodiedNanograms: Self.nano(interval.embodiedGrams * share))
        }
    }

    /// Adds an interval without requests to the idle row, and returns the row once it spans a minute.
    private func idle(_ interval: Interval, now: Date) -> [CarbonCharge] {
        let due = state.withLock { state -> Idle? in
            if state.idle.since == nil { state.idle.since = now.addingTimeInterval(-interval.seconds) }
            state.idle.cpuSeconds += interval.cpuSeconds
            state.idle.computeJoules += interval.computeJoules
            state.idle.memoryJoules += interval.memoryJoules
            state.idle.operationalGrams += EnergyModel.grams(
                joules: interval.computeJoules + interval.memoryJoules, intensity: interval.reading.gramsPerKWh)
            state.idle.embodiedGrams += interval.embodiedGrams
            guard let since = state.idle.since, now.timeIntervalSince(since) >= Self.idleRowSeconds else { return nil }
            defer { state.idle = Idle() }
            return state.idle
        }
        guard let due else { return [] }
        let joules = due.computeJoules + due.memoryJoules
        return [
            CarbonCharge(
                time: now, tenant: "_registry", principal: "system", operation: "registry.idle", repository: nil, requestID: "carbon-accountant",
                cpuMicros: Self.micro(due.cpuSeconds), cpuMeasured: false, computeMicrojoules: Self.micro(due.computeJoules),
                memoryMicrojoules: Self.micro(due.memoryJoules), storageMicrojoules: 0, networkMicrojoules: 0, bytesIn: 0, bytesOut: 0,
                intensity: joules > 0 ? due.operationalGrams / joules * EnergyModel.joulesPerKWh : interval.reading.gramsPerKWh,
                intensitySource: interval.reading.source, energySource: interval.energySource,
                operationalNanograms: Self.nano(due.operationalGrams), embodiedNanograms: Self.nano(due.embodiedGrams))
        ]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Joules (or seconds) as whole micro-units, and grams as nanograms, rounded.
    static func micro(_ value: Double) -> Int64 { Int64((value * 1e6).rounded()) }
    static func nano(_ value: Double) -> Int64 { Int64((value * 1e9).rounded()) }
}
