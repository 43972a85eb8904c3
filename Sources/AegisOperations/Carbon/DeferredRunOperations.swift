import AegisAuth
import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import AegisWasm
import Foundation

/// What carbon-aware runs need: grid intensity and its forecasts, this node's region, and the
/// regions a run may be sent to (each a location the intensity source knows; a node runs the runs
/// of its own region).
public struct CarbonScheduling: Sendable {
    public let intensity: GridIntensity
    public let model: EnergyModel
    public let home: String
    public let regions: [String]
    /// The furthest a deadline may be: 7 days.
    public static let maxDeferral: TimeInterval = 7 * 86400
    /// Runs a tenant may have queued at once (each keeps its request, stdin included, in the store).
    public static let maxQueued = 1000

    public init(intensity: GridIntensity, model: EnergyModel, home: String, regions: [String]) {
        self.intensity = intensity
        self.model = model
        self.home = home
        self.regions = regions.isEmpty ? [home] : regions
    }
}

/// Runs submitted as deferrable: queued for the cleanest slot before their deadline, then run by
/// the node of their region (`DeferredRunService`).
public struct DeferredRunOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let runner: WasmRunner
    let metering: Metering
    let scheduling: CarbonScheduling?

    /// The run as queued (the runs API's body without `deferrable`).
    struct Stored: Codable {
        var reference: String
        var component: String?
        var arguments: [String]
        var environment: [String: String]
        var stdin: Data
        var gasLimit: Int64?
    }

    /// Queues `request` for the cleanest slot before `deadline` (any role that may run). A deadline
    /// already past runs it at once; one more than 7 days ahead counts as 7 days.
    /// - Throws: `invalid_request` (a bad limit, carbon accounting off), `conflict` (1,000 runs
    ///   queued already), `not_found` /
    ///   `not_runnable` (checked now, so a run that cannot work fails at once).
    public func submit(_ request: RunOperations.Request, deadline: Date, in tenant: TenantID, _ caller: Caller, now: Date = Date())
        async throws -> DeferredRunRecord
    {
        try await authorization.require(.run, in: tenant, caller)
        guard let scheduling else {
            throw OperationError.invalid("deferrable runs need carbon accounting (carbon.enabled = true)")
        }
        let artifact = try RunOperations.artifact(request.reference, in: tenant)
        if let limit = request.gasLimit, limit <= 0 || UInt64(limit) > metering.settings.maxLimit {
            throw OperationError(.invalidRequest, "gasLimit must be 1 to \(metering.settings.maxLimit)", reason: "invalid_gas_limit")
        }
        _ = try await RunOperations.runnable { try await runner.resolve(artifact.repository, artifact.reference, component: request.component) }
        guard try await store.queuedDeferredRuns(of: tenant) < CarbonScheduling.maxQueued else {
            throw OperationError.conflict("the tenant has \(CarbonScheduling.maxQueued) deferred runs queued: wait for them or cancel some")
        }
        // A deadline already past leaves no slot but now; one beyond the furthest is brought in.
        let deadline = min(max(deadline, now), now.addingTimeInterval(CarbonScheduling.maxDeferral))
        let current = await scheduling.intensity.reading(at: now)
        var forecasts: [String: [ForecastPoint]] = [:]
        for region in scheduling.regions {
            forecasts[region] = await scheduling.intensity.forecast(for: region, from: now, to: deadline) ?? []
        }
        let choice = SlotPlanner.choose(now: now, deadline: deadline, home: scheduling.home, current: current.gramsPerKWh, forecasts: forecasts)
        let stored = Stored(
            reference: request.reference, component: request.component, arguments: request.arguments, environment: request.environment,
            stdin: Data(request.stdin), gasLimit: request.gasLimit)
        let record = try await store.insertDeferredRun(
            DeferredRunRecord(
                id: 0, tenant: tenant.value, principal: caller.principal.description, request: try JSONEncoder().encode(stored),
                submittedAt: now, deadline: deadline, scheduledAt: choice.start, region: choice.region,
                submitIntensity: current.gramsPerKWh, scheduledIntensity: choice.intensity))
        authorization.record(
            caller, action: "run.defer", resource: "\(artifact.repository)", tenant: tenant, allowed: true,
            reason: "run \(record.id): \(choice.reason), \(choice.start.ISO8601Format()) in \(choice.region)")
        return record
    }

    /// One of the tenant's deferred runs (auditors and owners, and whoever may run).
    public func get(_ id: Int64, in tenant: TenantID, _ caller: Caller) async throws -> DeferredRunRecord {
        try await authorization.require(.run, in: tenant, caller)
        guard let run = try await store.deferredRun(id, of: tenant) else { throw OperationError.notFound("no deferred run \(id)") }
        return run
    }

    /// The tenant's deferred runs, newest first.
    public func list(in tenant: TenantID, before: Int64?, limit: Int, _ caller: Caller) async throws -> [DeferredRunRecord] {
        try await authorization.require(.run, in: tenant, caller)
        return try await store.deferredRuns(of: tenant, before: before, limit: limit)
    }

    /// Cancels a run that has not started.
    /// - Throws: `not_found`, or `conflict` when it started (or ended) already.
    public func cancel(_ id: Int64, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.run, in: tenant, caller)
        guard try await store.cancelDeferredRun(id, of: tenant, at: Date()) else {
            guard let run = try await store.deferredRun(id, of: tenant) else { throw OperationError.notFound("no deferred run \(id)") }
            throw OperationError(.conflict, "deferred run \(id) is \(run.state.rawValue), not queued")
        }
        authorization.record(caller, action: "run.cancel", resource: "deferred-run:\(id)", tenant: tenant, allowed: true, reason: "")
    }

    /// Runs one claimed run: billed to its tenant like any run (the ledgers get its rows), recorded
    /// with trigger `deferred`, its end and the CO2e its shift avoided written to the queue.
    func execute(_ record: DeferredRunRecord) async {
        let requestID = "deferred-\(record.id)"
        let meter = metering.meter()
        var end = DeferredRunEnd(state: .failed, finishedAt: Date(), runIntensity: nil, avoidedNanograms: nil, outcome: "", gasUsed: nil)
        do {
            let tenant = try TenantID(record.tenant)
            let request = try JSONDecoder().decode(Stored.self, from: record.request)
            let artifact = try RunOperations.artifact(request.reference, in: tenant)
            try metering.applyLimit(String(request.gasLimit ?? Int64(clamping: metering.settings.defaultLimit)), to: meter)
            try await metering.bill(
                meter, to: tenant, principal: record.principal, repository: artifact.repository.value, operation: .wasmRun, reserving: .limit)
            let target = try await RunOperations.runnable {
                try await runner.resolve(artifact.repository, artifact.reference, component: request.component)
            }
            let input = RunInput(
                program: artifact.repository.value, arguments: request.arguments, environment: request.environment, stdin: Array(request.stdin))
            let result = try await RunOperations.runnable { try await runner.run(target, input: input, meter: meter) }
            runner.record(target, result, meter: meter, principal: record.principal, requestID: requestID, trigger: "deferred")
            end.state = .finished
            end.outcome = result.status.rawValue
            end.stdout = Data(result.stdout)
            end.stderr = Data(result.stderr)
        } catch let error as OperationError {
            end.outcome = error.message
        } catch {
            end.outcome = "\(error)"
        }
        let usage = metering.settle(meter, requestID: requestID, fallback: .wasmRun)
        end.gasUsed = Int64(clamping: usage.gasUsed)
        end.finishedAt = Date()
        if let scheduling {
            let reading = await scheduling.intensity.reading(at: end.finishedAt)
            end.runIntensity = reading.gramsPerKWh
            end.avoidedNanograms = Self.avoided(
                cpu: usage.cpu ?? .zero, model: scheduling.model, submitted: record.submitIntensity, ran: reading.gramsPerKWh)
        }
        do {
            try await store.finishDeferredRun(record.id, end)
        } catch {
            // Left `running`: marked interrupted later, never run again.
        }
    }

    /// What the run's busy energy would have emitted at the submission's intensity, less what it
    /// did where and when it ran, ng (negative when the shift made it worse). The vCPUs' idle draw
    /// is there either way, so only the busy energy counts.
    static func avoided(cpu: Duration, model: EnergyModel, submitted: Double, ran: Double) -> Int64 {
        let seconds = Double(cpu.components.seconds) + Double(cpu.components.attoseconds) / 1e18
        let joules = model.computeJoules(cpuSeconds: seconds, seconds: seconds).busy
        return Int64((EnergyModel.grams(joules: joules, intensity: submitted - ran) * 1e9).rounded())
    }
}
