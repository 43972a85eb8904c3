import AegisCore
import AegisStore
import Foundation
import Synchronization

/// Which repositories are public, cached for a few seconds (the flag is read on every anonymous
/// or Basic pull; a change takes effect within `ttl`).
public final class PublicRepositoryCache: Sendable {
    private let store: any IdentityStore
    private let ttl: TimeInterval
    private let entries = Mutex<[RepositoryName: (isPublic: Bool, until: Date)]>([:])

    public init(store: any IdentityStore, ttl: TimeInterval = 5) {
        self.store = store
        self.ttl = ttl
    }

    public func isPublic(_ name: RepositoryName) async throws -> Bool {
        let now = Date()
        if let hit = entries.withLock({ $0[name] }), hit.until > now { return hit.isPublic }
        let isPublic = try await store.isPublic(name)
        entries.withLock { entries in
            if entries.count > 100_000 { entries.removeAll(keepingCapacity: true) }
            entries[name] = (isPublic, now.addingTimeInterval(ttl))
        }
        return isPublic
    }

    /// Drops what is known of `name` (its visibility changed).
    public func forget(_ name: RepositoryName) {
        _ = entries.withLock { $0.removeValue(forKey: name) }
    }

    /// Drops everything (a change seen in the change feed without a repository name).
    public func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}
