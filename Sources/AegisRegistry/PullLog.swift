import AegisStore
import Foundation
import Synchronization

/// When manifests were last pulled, gathered in memory and written in batches (`flush`), so a
/// pull costs no write of its own. A crash loses at most one interval of pull times: retention's
/// "pulled" criteria are about days.
final class PullLog: Sendable {
    private let pending = Mutex<[LinkKey: Date]>([:])
    /// Most distinct manifests kept between flushes; more pulls in one interval are dropped.
    static let capacity = 100_000

    func record(_ key: LinkKey, at time: Date) {
        pending.withLock { pending in
            guard pending.count < Self.capacity || pending[key] != nil else { return }
            pending[key] = time
        }
    }

    func drain() -> [LinkKey: Date] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }
}
