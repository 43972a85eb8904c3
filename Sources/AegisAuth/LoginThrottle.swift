import Foundation
import Synchronization

/// Limits failed password checks per user name and per client address, so that guessing is slow
/// and cannot burn the CPU: a throttled attempt is refused before scrypt runs.
///
/// Each key (a user name, a client address) has a token bucket of `capacity` failures that refills
/// one failure every `refillSeconds` (counted in whole failures). A failed check takes one; the failure that empties the bucket
/// locks the key for `lockoutSeconds`, doubling with every further lockout up to
/// `maxLockoutSeconds` (one more attempt is allowed when a lock ends: if it fails, the next lock is
/// twice as long). A bucket that refills completely forgets its lockouts. A success does not
/// count, and it resets the user's bucket (not the address's: one valid account must not reset
/// a guessing client).
public final class LoginThrottle: Sendable {
    /// The limits (`auth.login_*` in the configuration).
    public struct Settings: Sendable, Hashable {
        /// Failed checks of one user name before it is locked; 0 turns throttling off.
        public var failuresPerUser = 5
        /// Failed checks from one client address before it is locked (higher: many users may share
        /// an address behind a NAT).
        public var failuresPerAddress = 20
        /// Seconds after which one failure is forgiven.
        public var refillSeconds = 60.0
        /// The first lockout; each further one doubles it.
        public var lockoutSeconds = 1.0
        public var maxLockoutSeconds = 900.0
        /// Most keys tracked; beyond it, keys whose buckets are full are forgotten first.
        public var maxTrackedKeys = 100_000

        public init() {}
    }

    /// What a key is.
    public enum Scope: String, Sendable, Hashable {
        case user
        case address
    }

    /// A key that just got locked (for the audit log and the metrics).
    public struct Lockout: Sendable, Hashable {
        public var scope: Scope
        public var key: String
        /// How long it is locked.
        public var seconds: Double
        /// The how-manieth consecutive lockout this is.
        public var count: Int

        public init(scope: Scope, key: String, seconds: Double, count: Int) {
            self.scope = scope
            self.key = key
            self.seconds = seconds
            self.count = count
        }
    }

    /// Counters for `/metrics`.
    public struct Statistics: Sendable, Hashable {
        public var throttled = 0
        public var userLockouts = 0
        public var addressLockouts = 0

        public init() {}
    }

    private struct Bucket {
        var failures: Double
        var updated: Double
        var lockedUntil: Double
        var lockouts: Int
    }

    private struct Key: Hashable {
        var scope: Scope
        var value: String
    }

    private struct State {
        var buckets: [Key: Bucket] = [:]
        var statistics = Statistics()
    }

    public let settings: Settings
    private let onLockout: @Sendable (Lockout) -> Void
    private let state = Mutex(State())

    /// - Parameter onLockout: called (outside the lock) for every new lockout.
    public init(settings: Settings, onLockout: @escaping @Sendable (Lockout) -> Void = { _ in }) {
        self.settings = settings
        self.onLockout = onLockout
    }

    public var isEnabled: Bool { settings.failuresPerUser > 0 }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// User names and addresses with failures remembered.
    public var trackedKeys: Int { state.withLock { $0.buckets.count } }

    /// Seconds until `user` from `address` may try again; nil when it may now.
    public func retryAfter(user: String, address: String?, now: Date = Date()) -> Double? {
        guard isEnabled else { return nil }
        let time = now.timeIntervalSince1970
        return state.withLock { state in
            let wait = keys(user, address).compactMap { key -> Double? in
                guard let bucket = state.buckets[key], bucket.lockedUntil > time else { return nil }
                return bucket.lockedUntil - time
            }.max()
            if wait != nil { state.statistics.throttled += 1 }
            return wait
        }
    }

    /// Counts a failed check against the user name and the address; reports any new lockout.
    public func recordFailure(user: String, address: String?, now: Date = Date()) {
        guard isEnabled else { return }
        let time = now.timeIntervalSince1970
        let lockouts = state.withLock { state -> [Lockout] in
            if state.buckets.count >= settings.maxTrackedKeys { forgetRecovered(&state, at: time) }
            return keys(user, address).compactMap { key in
                var bucket = refilled(state.buckets[key], key: key, at: time)
                bucket.failures += 1
                var lockout: Lockout?
                if bucket.failures >= capacity(key.scope) {
                    bucket.lockouts += 1
                    let seconds = min(settings.maxLockoutSeconds, settings.lockoutSeconds * pow(2, Double(min(bucket.lockouts - 1, 40))))
                    bucket.lockedUntil = time + seconds
                    // One more attempt when the lock ends.
                    bucket.failures = capacity(key.scope) - 1
                    lockout = Lockout(scope: key.scope, key: key.value, seconds: seconds, count: bucket.lockouts)
                    switch key.scope {
                    case .user: state.statistics.userLockouts += 1
                    case .address: state.statistics.addressLockouts += 1
                    }
                }
                state.buckets[key] = bucket
                return lockout
            }
        }
        lockouts.forEach(onLockout)
    }

    /// A successful check: the user's failures are forgotten.
    public func recordSuccess(user: String) {
        guard isEnabled else { return }
        _ = state.withLock { $0.buckets.removeValue(forKey: Key(scope: .user, value: user)) }
    }

    private func keys(_ user: String, _ address: String?) -> [Key] {
        [Key(scope: .user, value: user)] + (address.map { [Key(scope: .address, value: $0)] } ?? [])
    }

    private func capacity(_ scope: Scope) -> Double {
        Double(max(1, scope == .user ? settings.failuresPerUser : settings.failuresPerAddress))
    }

    /// The bucket with the failures forgiven since it was last touched.
    private func refilled(_ bucket: Bucket?, key: Key, at time: Double) -> Bucket {
        guard var bucket else { return Bucket(failures: 0, updated: time, lockedUntil: 0, lockouts: 0) }
        // Whole failures only, one per full period since the last change (none while locked), so
        // that N failures in quick succession count as N.
        let from = max(bucket.updated, bucket.lockedUntil)
        let forgiven = time > from ? ((time - from) / settings.refillSeconds).rounded(.down) : 0
        if forgiven > 0 {
            bucket.failures = max(0, bucket.failures - forgiven)
            bucket.updated = from + forgiven * settings.refillSeconds
        }
        if bucket.failures == 0 {
            bucket.updated = time
            if bucket.lockedUntil <= time { bucket.lockouts = 0 }
        }
        return bucket
    }

    private func forgetRecovered(_ state: inout State, at time: Double) {
        state.buckets = state.buckets.filter { key, bucket in
            bucket.lockedUntil > time || refilled(bucket, key: key, at: time).failures > 0
        }
        // Still full of live buckets: forget the oldest half rather than grow without bound.
        if state.buckets.count >= settings.maxTrackedKeys {
            let keep = state.buckets.sorted { $0.value.updated > $1.value.updated }.prefix(settings.maxTrackedKeys / 2)
            state.buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
