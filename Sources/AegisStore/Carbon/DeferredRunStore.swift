import AegisCore
import Foundation

/// A WASM run waiting for a cleaner hour, or what became of it.
public struct DeferredRunRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting for `scheduledAt`.
        case queued
        /// Claimed by a node, running.
        case running
        /// Ran (whatever the guest's exit status): `outcome` says how.
        case finished
        /// Could not run: budget, artifact gone, sandbox refused. `outcome` says why.
        case failed
        /// Cancelled before it started.
        case cancelled
        /// Its node stopped while it ran; it is not run again (a run is never made twice).
        case interrupted
    }

    public var id: Int64
    public var tenant: String
    public var principal: String
    /// The run as submitted (the runs API's body without `deferrable`), JSON.
    public var request: Data
    public var submittedAt: Date
    public var deadline: Date
    /// When it is to start, and where (a location of the intensity source).
    public var scheduledAt: Date
    public var region: String
    /// gCO2e/kWh where and when it was submitted, and as forecast for its slot.
    public var submitIntensity: Double
    public var scheduledIntensity: Double
    public var state: State
    public var startedAt: Date?
    public var finishedAt: Date?
    /// gCO2e/kWh read when it ran.
    public var runIntensity: Double?
    /// CO2e its energy would have emitted at the submission's intensity, less what it did, ng.
    public var avoidedNanograms: Int64?
    /// The guest's status (`exit`, `out_of_gas`…) or why it failed.
    public var outcome: String?
    public var gasUsed: Int64?
    /// What the guest wrote (at most `wasm.max_output_bytes` each).
    public var stdout: Data?
    public var stderr: Data?

    public init(
        id: Int64, tenant: String, principal: String, request: Data, submittedAt: Date, deadline: Date, scheduledAt: Date, region: String,
        submitIntensity: Double, scheduledIntensity: Double, state: State = .queued, startedAt: Date? = nil, finishedAt: Date? = nil,
        runIntensity: Double? = nil, avoidedNanograms: Int64? = nil, outcome: String? = nil, gasUsed: Int64? = nil, stdout: Data? = nil,
        stderr: Data? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.principal = principal
        self.request = request
        self.submittedAt = submittedAt
        self.deadline = deadline
        self.scheduledAt = scheduledAt
        self.region = region
        self.submitIntensity = submitIntensity
        self.scheduledIntensity = scheduledIntensity
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.runIntensity = runIntensity
        self.avoidedNanograms = avoidedNanograms
        self.outcome = outcome
        self.gasUsed = gasUsed
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// How a deferred run ended.
public struct DeferredRunEnd: Sendable, Hashable {
    public var state: DeferredRunRecord.State
    public var finishedAt: Date
    public var runIntensity: Double?
    public var avoidedNanograms: Int64?
    public var outcome: String
    public var gasUsed: Int64?
    public var stdout: Data?
    public var stderr: Data?

    public init(
        state: DeferredRunRecord.State, finishedAt: Date, runIntensity: Double?, avoidedNanograms: Int64?, outcome: String, gasUsed: Int64?,
        stdout: Data? = nil, stderr: Data? = nil
    ) {
        self.state = state
        self.finishedAt = finishedAt
        self.runIntensity = runIntensity
        self.avoidedNanograms = avoidedNanograms
        self.outcome = outcome
        self.gasUsed = gasUsed
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The persistent queue of carbon-aware runs: kept across restarts, and claimed by compare-and-set
/// so that no run is made twice.
public protocol DeferredRunStore: Sendable {
    /// Queues a run (`id` is assigned).
    func insertDeferredRun(_ run: DeferredRunRecord) async throws -> DeferredRunRecord
    /// One of the tenant's runs.
    func deferredRun(_ id: Int64, of tenant: TenantID) async throws -> DeferredRunRecord?
    /// How many of the tenant's runs are queued (for the per-tenant limit).
    func queuedDeferredRuns(of tenant: TenantID) async throws -> Int
    /// The tenant's runs, newest first, with ids below `before`, at most `limit`.
    func deferredRuns(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [DeferredRunRecord]
    /// Moves queued runs of `region` due by `now` to `running` (started now) and returns them,
    /// oldest slot first, at most `limit`: a run another node claimed is not returned.
    func claimDueRuns(region: String, now: Date, limit: Int) async throws -> [DeferredRunRecord]
    /// Records how a running run ended.
    func finishDeferredRun(_ id: Int64, _ end: DeferredRunEnd) async throws
    /// Cancels a queued run. - Returns: false when it is not queued (any more).
    func cancelDeferredRun(_ id: Int64, of tenant: TenantID, at date: Date) async throws -> Bool
    /// Marks runs of `region` still running that started before `date` as interrupted (their node
    /// stopped: no run outlives its wall-clock bound). - Returns: how many.
    func interruptDeferredRuns(region: String, startedBefore date: Date, at now: Date) async throws -> Int
}
