import AegisOperations
import AegisStore
import Synchronization
import Testing

/// The background services' loop, driven by a manual clock: no test sleeps.
@Suite struct PeriodicServiceTests {
    /// Yields until `condition` holds (bounded: the loop under test only needs to reach its next sleep).
    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<100_000 where !condition() { await Task.yield() }
        return condition()
    }

    @Test func ticksAtOnceThenOncePerIntervalAndRunsItsShutdownWorkOnce() async throws {
        let clock = ManualClock()
        let ticks = Atomic(0)
        let shutdowns = Atomic(0)
        let service = PeriodicService(
            "test", every: .seconds(60), clock: clock, tick: { ticks.add(1, ordering: .relaxed) },
            atShutdown: { shutdowns.add(1, ordering: .relaxed) })
        let running = Task { try await service.run() }
        #expect(await eventually { ticks.load(ordering: .relaxed) == 1 && clock.sleeping == 1 })
        clock.advance(by: .seconds(59))
        #expect(clock.sleeping == 1)
        #expect(ticks.load(ordering: .relaxed) == 1)
        clock.advance(by: .seconds(1))
        #expect(await eventually { ticks.load(ordering: .relaxed) == 2 && clock.sleeping == 1 })
        clock.advance(by: .seconds(120))  // one sleep at a time: a late clock does not catch up twice
        #expect(await eventually { ticks.load(ordering: .relaxed) == 3 && clock.sleeping == 1 })
        running.cancel()
        try await running.value
        #expect(ticks.load(ordering: .relaxed) == 3)
        #expect(shutdowns.load(ordering: .relaxed) == 1)
    }

    @Test func aDeferredFirstTickWaitsOneInterval() async throws {
        let clock = ManualClock()
        let ticks = Atomic(0)
        let service = PeriodicService(
            "accrual", every: .seconds(10), clock: clock, tickFirst: false, tick: { ticks.add(1, ordering: .relaxed) })
        let running = Task { try await service.run() }
        #expect(await eventually { clock.sleeping == 1 })
        #expect(ticks.load(ordering: .relaxed) == 0)
        clock.advance(by: .seconds(10))
        #expect(await eventually { ticks.load(ordering: .relaxed) == 1 && clock.sleeping == 1 })
        running.cancel()
        try await running.value
    }
}

/// The commit signal that wakes the publishers.
@Suite struct OutboxSignalTests {
    @Test func aWaitEndsAtTheNextRingOrItsTimeout() async throws {
        let signal = OutboxSignal()
        let seen = signal.generation
        let clock = ContinuousClock()
        let start = clock.now
        async let woken: Void = signal.wait(after: seen, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(20))
        signal.notify()
        await woken
        #expect(clock.now - start < .seconds(10), "woken by the ring, not the timeout")
        // Rung before the wait began: it returns at once.
        let quick = clock.now
        await signal.wait(after: seen, timeout: .seconds(30))
        #expect(clock.now - quick < .seconds(10))
        // Nothing rings: the timeout ends it.
        let idle = clock.now
        await signal.wait(after: signal.generation, timeout: .milliseconds(50))
        #expect(clock.now - idle >= .milliseconds(50))
    }

    @Test func manyWaitsAndRingsNeverHang() async {
        let signal = OutboxSignal()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    if index % 2 == 0 { signal.notify() } else { await signal.wait(after: signal.generation, timeout: .milliseconds(5)) }
                }
            }
        }
        #expect(signal.generation == 100)
    }
}
