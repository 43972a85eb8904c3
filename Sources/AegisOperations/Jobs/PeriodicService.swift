import AegisStore
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
    let wakeUp: OutboxSignal?

    /// - Parameters:
    ///   - tickFirst: whether the first tick runs at once (else after one interval).
    ///   - wakeUp: ends the wait between ticks early when it rings (the publishers on their store's
    ///     commits); rung during a tick, the next tick follows at once.
    public init(
        _ name: String, every interval: Duration, clock: any Clock<Duration> = ContinuousClock(), tickFirst: Bool = true,
        wakeUp: OutboxSignal? = nil, tick: @escaping @Sendable () async -> Void, atShutdown: (@Sendable () async -> Void)? = nil
    ) {
        self.name = name
        self.interval = interval
        self.clock = clock
        self.tickFirst = tickFirst
        self.tick = tick
        self.atShutdown = atShutdown
        self.wakeUp = wakeUp
    }

    public func run() async throws {
        // Stopping is not a failure: the sleep's cancellation ends the loop, not the service group.
        try? await cancelWhenGracefulShutdown {
            if !tickFirst { try await clock.sleep(for: interval) }
            while !Task.isCancelled {
                guard let wakeUp else {
                    await tick()
                    try await clock.sleep(for: interval)
                    continue
                }
                let seen = wakeUp.generation
                await tick()
                await wakeUp.wait(after: seen, timeout: interval)
            }
        }
        if let atShutdown { await Task.detached { await atShutdown() }.value }
    }
}
