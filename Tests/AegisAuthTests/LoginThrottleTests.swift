import AegisAuth
import Foundation
import Synchronization
import Testing

@Suite struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    final class Recorded: Sendable {
        let lockouts = Mutex<[LoginThrottle.Lockout]>([])
        func withLock<T: Sendable>(_ body: ([LoginThrottle.Lockout]) -> T) -> T { lockouts.withLock { body($0) } }
    }

    func throttle(_ change: (inout LoginThrottle.Settings) -> Void = { _ in }) -> (LoginThrottle, Recorded) {
        var settings = LoginThrottle.Settings()
        change(&settings)
        let recorded = Recorded()
        return (LoginThrottle(settings: settings) { lockout in recorded.lockouts.withLock { $0.append(lockout) } }, recorded)
    }

    @Test func theFifthFailureLocksTheUserAndEachFurtherLockDoubles() {
        let (throttle, lockouts) = throttle()
        for _ in 0..<4 {
            #expect(throttle.retryAfter(user: "alice", address: "10.0.0.1", now: start) == nil)
            throttle.recordFailure(user: "alice", address: "10.0.0.1", now: start)
        }
        #expect(throttle.retryAfter(user: "alice", address: "10.0.0.1", now: start) == nil)
        throttle.recordFailure(user: "alice", address: "10.0.0.1", now: start)
        #expect(throttle.retryAfter(user: "alice", address: "10.0.0.1", now: start) == 1)
        // The same user from anywhere, but not another user from the same address.
        #expect(throttle.retryAfter(user: "alice", address: "10.9.9.9", now: start) == 1)
        #expect(throttle.retryAfter(user: "bob", address: "10.0.0.1", now: start) == nil)
        // One attempt when the lock ends; its failure locks for twice as long, then four times.
        let later = start + 1
        #expect(throttle.retryAfter(user: "alice", address: nil, now: later) == nil)
        throttle.recordFailure(user: "alice", address: nil, now: later)
        #expect(throttle.retryAfter(user: "alice", address: nil, now: later) == 2)
        throttle.recordFailure(user: "alice", address: nil, now: later + 2)
        #expect(throttle.retryAfter(user: "alice", address: nil, now: later + 2) == 4)
        #expect(lockouts.withLock { $0.map(\.seconds) } == [1, 2, 4])
        #expect(lockouts.withLock { $0.map(\.scope) } == [.user, .user, .user])
        #expect(throttle.statistics.userLockouts == 3)
        #expect(throttle.statistics.throttled == 4)
    }

    @Test func anAddressIsLockedAfterItsOwnLimitAcrossUserNames() {
        let (throttle, lockouts) = throttle { $0.failuresPerAddress = 8 }
        for index in 0..<8 { throttle.recordFailure(user: "user\(index)", address: "192.0.2.7", now: start) }
        #expect(throttle.retryAfter(user: "someone-else", address: "192.0.2.7", now: start) == 1)
        #expect(throttle.retryAfter(user: "someone-else", address: "192.0.2.8", now: start) == nil)
        #expect(lockouts.withLock { $0 } == [LoginThrottle.Lockout(scope: .address, key: "192.0.2.7", seconds: 1, count: 1)])
    }

    @Test func locksAreCappedAndForgottenOnceTheBucketRefills() {
        let (throttle, _) = throttle { $0.maxLockoutSeconds = 5 }
        var time = start
        for _ in 0..<5 { throttle.recordFailure(user: "alice", address: nil, now: time) }
        for _ in 0..<6 {
            time += throttle.retryAfter(user: "alice", address: nil, now: time) ?? 0
            throttle.recordFailure(user: "alice", address: nil, now: time)
        }
        #expect(throttle.retryAfter(user: "alice", address: nil, now: time) == 5)
        // After the lock, 5 refills of 60 s forgive every failure, and with them the lockouts.
        time += 5 + 5 * 60
        throttle.recordFailure(user: "alice", address: nil, now: time)
        #expect(throttle.retryAfter(user: "alice", address: nil, now: time) == nil)
    }

    @Test func aSuccessForgivesTheUserButNotTheAddress() {
        let (throttle, _) = throttle { $0.failuresPerAddress = 6 }
        for _ in 0..<4 { throttle.recordFailure(user: "alice", address: "10.0.0.1", now: start) }
        throttle.recordSuccess(user: "alice")
        for _ in 0..<4 { throttle.recordFailure(user: "alice", address: "10.0.0.2", now: start) }
        #expect(throttle.retryAfter(user: "alice", address: "10.0.0.2", now: start) == nil)
        for _ in 0..<2 { throttle.recordFailure(user: "mallory", address: "10.0.0.1", now: start) }
        #expect(throttle.retryAfter(user: "carol", address: "10.0.0.1", now: start) == 1)
    }

    @Test func zeroFailuresPerUserTurnsItOff() {
        let (throttle, _) = throttle { $0.failuresPerUser = 0 }
        for _ in 0..<100 { throttle.recordFailure(user: "alice", address: "10.0.0.1", now: start) }
        #expect(throttle.retryAfter(user: "alice", address: "10.0.0.1", now: start) == nil)
    }

    @Test func trackedKeysAreBounded() {
        let (throttle, _) = throttle { $0.maxTrackedKeys = 100 }
        for index in 0..<1000 { throttle.recordFailure(user: "u\(index)", address: nil, now: start + Double(index) / 1000) }
        // Every key is live (none refilled): the oldest half went; the newest are still counted.
        #expect(throttle.trackedKeys <= 100)
        let now = start + 1
        for _ in 0..<4 { throttle.recordFailure(user: "u999", address: nil, now: now) }
        #expect(throttle.retryAfter(user: "u999", address: nil, now: now) == 1)
    }

    @Test func certificateIdentitiesAreSPIFFEIDsOrSubjects() {
        #expect(ClientCertificate.normalizedIdentity("spiffe://example.org/ci/runner") == "spiffe://example.org/ci/runner")
        #expect(ClientCertificate.normalizedIdentity("spiffe:///no-domain") == nil)
        #expect(ClientCertificate.normalizedIdentity("spiffe://example.org/a b") == nil)
        #expect(ClientCertificate.normalizedIdentity("cn = ci , o=Acme") == "CN=ci,O=Acme")
        #expect(ClientCertificate.normalizedIdentity(#"CN=ci\, the runner,O=Acme"#) == #"CN=ci\, the runner,O=Acme"#)
        #expect(ClientCertificate.normalizedIdentity("hello world") == nil)
        #expect(ClientCertificate.normalizedIdentity("=x") == nil)
        let certificate = ClientCertificate(subject: "CN=ci,O=Acme", uris: ["https://example.org", "spiffe://example.org/ci"])
        #expect(certificate.identities == ["spiffe://example.org/ci", "CN=ci,O=Acme"])
    }
}
