import AegisCore
import AegisStore
import Synchronization

/// In-memory hash states of open uploads, and which uploads a request is writing right now.
///
/// The hash state is only a cache: when it is missing or stale (after a restart, or when another
/// node wrote the last chunk) the registry recomputes it from the bytes already stored.
final class UploadStates: Sendable {
    private struct Entry {
        var size: Int64
        var hasher: DigestHasher
    }

    private let entries = Mutex<[UploadID: Entry]>([:])
    private let busy = Mutex<Set<UploadID>>([])

    /// The cached hash state for `id` if it covers exactly `size` bytes.
    func hasher(for id: UploadID, size: Int64) -> DigestHasher? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.size == size else { return nil }
            return entry.hasher
        }
    }

    func store(_ hasher: DigestHasher, for id: UploadID, size: Int64) {
        entries.withLock { $0[id] = Entry(size: size, hasher: hasher) }
    }

    func forget(_ id: UploadID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// Marks `id` as being written; false when another request already writes it.
    func claim(_ id: UploadID) -> Bool {
        busy.withLock { $0.insert(id).inserted }
    }

    func release(_ id: UploadID) {
        _ = busy.withLock { $0.remove(id) }
    }
}
