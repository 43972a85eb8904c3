import Synchronization

/// Rings when a unit of work that wrote events commits in this process, so that the publishers
/// wake at once instead of at their next poll (which stays, for commits made by other processes).
public final class OutboxSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits that ended before their continuation was registered: it resumes at once.
        var released: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many commits have rung so far: what `wait(after:timeout:)` compares against.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiter.
    public func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a commit rang after `generation`, `timeout` passed, or the task is cancelled.
    public func wait(after generation: UInt64, timeout: Duration) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let rung = self.state.withLock { state in
                        guard state.generation == generation, state.released.remove(id) == nil else { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if rung { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
            // The sleep ended first: release the other task's continuation, registered or not yet.
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    if state.generation == generation { state.released.insert(id) }
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
