import AegisCore
import AegisStore

/// Which repositories are public, cached for a few seconds (the flag is read on every anonymous
/// or Basic pull; a change made elsewhere takes effect within `ttl`, one made here at once).
public final class PublicRepositoryCache: Sendable {
    private let store: any IdentityStore
    private let entries: BoundedCache<RepositoryName, Bool>

    public init(store: any IdentityStore, ttl: Duration = .seconds(5), capacity: Int = 100_000) {
        self.store = store
        entries = BoundedCache(capacity: capacity, ttl: ttl)
    }

    public func isPublic(_ name: RepositoryName) async throws -> Bool {
        if let hit = entries[name] { return hit }
        let isPublic = try await store.isPublic(name)
        entries[name] = isPublic
        return isPublic
    }

    /// Drops what is known of `name` (its visibility changed).
    public func forget(_ name: RepositoryName) {
        entries.remove(name)
    }

    /// Drops everything (a change seen in the change feed without a repository name).
    public func forgetAll() {
        entries.removeAll()
    }
}
