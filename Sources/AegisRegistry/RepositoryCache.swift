import AegisCore
import AegisStore

/// Repository name → record, for the hot read paths (every pull resolves its repository first).
///
/// Repositories are never renamed or re-numbered and are not deleted while this process runs, so a
/// cached record stays true; misses always go to the store, so repositories created by other nodes
/// are found. The cache is bounded: past `capacity` entries the least recently used make room.
final class RepositoryCache: Sendable {
    private let entries: BoundedCache<RepositoryName, RepositoryRecord>

    init(capacity: Int = 100_000) {
        entries = BoundedCache(capacity: capacity)
    }

    func record(for name: RepositoryName) -> RepositoryRecord? {
        entries[name]
    }

    func remember(_ record: RepositoryRecord) {
        entries[record.name] = record
    }
}
