import AegisStore
import Foundation
import Logging

/// Starts the deferred runs of this node's region whose slot has come (every
/// `carbon.scheduler_interval_seconds`, on every node: each claims its own region's runs by
/// compare-and-set, so no run is made twice). A run still `running` past the sandbox's wall-clock
/// bound lost its node and is marked interrupted, not run again.
public struct DeferredRunService: Sendable {
    let runs: DeferredRunOperations
    let store: any DeferredRunStore
    let region: String
    /// How long a run can take at most (the sandbox's timeout, and a margin).
    let bound: TimeInterval
    let logger: Logger
    /// Runs started per tick at most (each holds a sandbox thread).
    static let batch = 8

    public init(runs: DeferredRunOperations, store: any DeferredRunStore, region: String, bound: TimeInterval, logger: Logger) {
        self.runs = runs
        self.store = store
        self.region = region
        self.bound = bound
        self.logger = logger
    }

    public func tick(now: Date = Date()) async {
        do {
            let interrupted = try await store.interruptDeferredRuns(region: region, startedBefore: now.addingTimeInterval(-bound), at: now)
            if interrupted > 0 { logger.warning("deferred runs interrupted by a stopped node", metadata: ["count": "\(interrupted)"]) }
            let due = try await store.claimDueRuns(region: region, now: now, limit: Self.batch)
            await withTaskGroup(of: Void.self) { group in
                for run in due { group.addTask { await runs.execute(run) } }
            }
        } catch {
            logger.error("deferred runs could not be started", metadata: ["error": "\(error)"])
        }
    }
}
