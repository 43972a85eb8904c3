import Logging
import ServiceLifecycle

/// Background work on a period: `tick` right away and then every `interval` on `clock`, until
/// graceful shutdown; then `atShutdown` once, in a task of its own (the group cancels its services
/// on shutdown, and a cancelled task cannot write to the database, so buffered rows would be lost).
///
/// The work itself lives in the jobs (`StorageAccrual`, `FeeMarketInterval`, `UploadExpiry`,
/// `BatchWriter`, `ChangeFeed`), which tests drive directly; the clock is injected so that the
/// loop can be tested without sleeping.
public struct PeriodicService: Service {
    public let name: String
    let interval: Duration
    let clock: any Clock<Duration>
    let tickFirst: Bool
    let tick: @Sendable () async -> Void
    let atShutdown: (@Sendable () async -> Void)?

    /// - Parameter tickFirst: whether the first tick runs at once (else after one interval).
    public init(
        _ name: String, every interval: Duration, clock: any Clock<Duration> = ContinuousClock(), tickFirst: Bool = true,
        tick: @escaping @Sendable () async -> Void, atShutdown: (@Sendable () async -> Void)? = nil
    ) {
        self.name = name
        self.interval = interval
        self.clock = clock
        self.tickFirst = tickFirst
        self.tick = tick
        self.atShutdown = atShutdown
    }

    public func run() async throws {
        // Stopping is not a failure: the sleep's cancellation ends the loop, not the service group.
        try? await cancelWhenGracefulShutdown {
            if !tickFirst { try await clock.sleep(for: interval) }
            while !Task.isCancelled {
                await tick()
                try await clock.sleep(for: interval)
            }
        }
        if let atShutdown { await Task.detached { await atShutdown() }.value }
    }
}
