import AegisCore
import AegisStore
import Synchronization

/// Repository name → record, for the hot read paths (every pull resolves its repository first).
///
/// Repositories are never renamed or re-numbered and are not deleted while this process runs, so a
/// cached record stays true; misses always go to the store, so repositories created by other nodes
/// are found. The cache is bounded: past `capacity` entries it starts again empty.
final class RepositoryCache: Sendable {
    private let entries = Mutex<[RepositoryName: RepositoryRecord]>([:])
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func record(for name: RepositoryName) -> RepositoryRecord? {
        entries.withLock { $0[name] }
    }

    func remember(_ record: RepositoryRecord) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[record.name] = record
        }
    }
}
