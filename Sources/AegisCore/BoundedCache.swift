import Synchronization

/// A thread-safe cache of at most `capacity` entries, each kept for at most `ttl`: when full, an
/// entry not used since the clock hand last passed it makes room (CLOCK, an approximation of
/// least-recently-used that costs no list updates on a hit). Expired entries read as absent.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot {
        var key: Key
        var value: Value
        var referenced: Bool
        var expires: ContinuousClock.Instant?
    }

    private struct State {
        var index: [Key: Int] = [:]
        var slots: [Slot] = []
        var hand = 0
    }

    /// The most entries kept.
    public let capacity: Int
    /// How long an entry stays valid; nil keeps it until it is evicted.
    public let ttl: Duration?
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// - Parameter now: the clock (tests pass their own, so expiry needs no sleeping).
    public init(capacity: Int, ttl: Duration? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.capacity = max(1, capacity)
        self.ttl = ttl
        self.now = now
    }

    /// The entry for `key`, if present and not expired; setting nil removes it.
    public subscript(key: Key) -> Value? {
        get {
            // Without a TTL nothing expires: no clock read on the hit path.
            let now = ttl == nil ? nil : now()
            return state.withLock { state in
                guard let slot = state.index[key] else { return nil }
                if let now, let expires = state.slots[slot].expires, expires <= now { return nil }
                state.slots[slot].referenced = true
                return state.slots[slot].value
            }
        }
        set {
            guard let newValue else { return remove(key) }
            let expires = ttl.map { now() + $0 }
            state.withLock { state in
                if let slot = state.index[key] {
                    state.slots[slot] = Slot(key: key, value: newValue, referenced: true, expires: expires)
                } else if state.slots.count < capacity {
                    state.index[key] = state.slots.count
                    state.slots.append(Slot(key: key, value: newValue, referenced: false, expires: expires))
                } else {
                    while state.slots[state.hand].referenced {
                        state.slots[state.hand].referenced = false
                        state.hand = (state.hand + 1) % state.slots.count
                    }
                    state.index.removeValue(forKey: state.slots[state.hand].key)
                    state.slots[state.hand] = Slot(key: key, value: newValue, referenced: false, expires: expires)
                    state.index[key] = state.hand
                    state.hand = (state.hand + 1) % state.slots.count
                }
            }
        }
    }

    /// Removes one entry.
    public func remove(_ key: Key) {
        state.withLock { state in
            guard let slot = state.index.removeValue(forKey: key) else { return }
            let last = state.slots.count - 1
            if slot != last {
                state.slots[slot] = state.slots[last]
                state.index[state.slots[slot].key] = slot
            }
            state.slots.removeLast()
            if state.hand >= state.slots.count { state.hand = 0 }
        }
    }

    /// Removes every entry for which `predicate` holds.
    public func removeAll(where predicate: (Key) -> Bool) {
        let keys = state.withLock { state in state.index.keys.filter(predicate) }
        for key in keys { remove(key) }
    }

    /// Removes everything.
    public func removeAll() {
        state.withLock { $0 = State() }
    }

    /// Entries held (expired ones included until they are evicted).
    public var count: Int { state.withLock { $0.slots.count } }
}
