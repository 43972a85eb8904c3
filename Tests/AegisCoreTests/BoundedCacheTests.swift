import AegisCore
import Synchronization
import Testing

@Suite struct BoundedCacheTests {
    @Test func aFullCacheEvictsAnEntryNotUsedSinceTheHandPassed() {
        let cache = BoundedCache<String, Int>(capacity: 3)
        cache["a"] = 1
        cache["b"] = 2
        cache["c"] = 3
        #expect(cache["a"] == 1)  // a is referenced; b and c are not
        cache["d"] = 4
        #expect(cache.count == 3)
        #expect(cache["a"] == 1)
        #expect(cache["b"] == nil)
        #expect(cache["c"] == 3)
        #expect(cache["d"] == 4)
    }

    @Test func entriesExpireAfterTheirTTLOnTheInjectedClock() {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        let cache = BoundedCache<String, Int>(capacity: 10, ttl: .seconds(5)) { start + offset.withLock { $0 } }
        cache["a"] = 1
        offset.withLock { $0 = .seconds(4) }
        #expect(cache["a"] == 1)
        offset.withLock { $0 = .seconds(5) }
        #expect(cache["a"] == nil)
        cache["a"] = 2  // a new value starts a new TTL
        offset.withLock { $0 = .seconds(9) }
        #expect(cache["a"] == 2)
    }

    @Test func removalKeepsTheRestReachable() {
        let cache = BoundedCache<Int, Int>(capacity: 100)
        for key in 0..<50 { cache[key] = key * 10 }
        cache.remove(3)
        cache[7] = nil
        cache.removeAll { $0 >= 40 }
        #expect(cache.count == 38)
        #expect(cache[3] == nil && cache[7] == nil && cache[45] == nil)
        #expect((0..<40).filter { $0 != 3 && $0 != 7 }.allSatisfy { cache[$0] == $0 * 10 })
        cache.removeAll()
        #expect(cache.count == 0 && cache[0] == nil)
    }

    /// Many more keys than room, from many tasks: the bound holds and nothing crashes.
    @Test func theBoundHoldsUnderConcurrentUse() async {
        let cache = BoundedCache<Int, Int>(capacity: 64)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for key in 0..<2_000 {
                        cache[worker * 10_000 + key] = key
                        _ = cache[worker * 10_000 + key / 2]
                    }
                }
            }
        }
        #expect(cache.count == 64)
    }
}
