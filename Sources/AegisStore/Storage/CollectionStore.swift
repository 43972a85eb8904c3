import AegisCore
import Foundation

/// What garbage collection and fsck read; their deletions are units of work (`MetadataTransaction`'s
/// `collectLink` and `collectBlob`), each re-checking in its own transaction what the listing saw.
///
/// **Leases.** A repository's link to a blob carries `used_at`: set when the link is made (upload
/// commit, mount) and refreshed by a HEAD of the blob, so a client that checked a blob exists and
/// then pushes a manifest naming it finds it still linked. A link is *collectable* when no manifest
/// of its repository references the blob and its lease is older than the grace period. A blob is
/// *collectable* when no repository links it and no upload is finishing into it.
public protocol CollectionStore: Sendable {
    /// Up to `limit` collectable links used before `cutoff`, by repository and digest, after `cursor`.
    func collectableLinks(usedBefore cutoff: Date, after cursor: LinkKey?, limit: Int) async throws -> [CollectableLink]
    /// Up to `limit` blobs no repository links and no upload claims, by digest, after `cursor`.
    func collectableBlobs(after cursor: Digest?, limit: Int) async throws -> [BlobInfo]
    /// Up to `limit` stored manifests of every repository, by repository id and digest, after `cursor` (fsck).
    func storedManifests(after cursor: LinkKey?, limit: Int) async throws -> [StoredManifest]
    /// Up to `limit` blob rows, by digest, after `cursor` (fsck).
    func blobRecords(after cursor: Digest?, limit: Int) async throws -> [BlobInfo]
    /// Holds back the removal of blobs (`collectBlob` removes none) until `until`, under `name`
    /// (a backup copying what its snapshot names); renewed by calling again.
    func holdCollection(_ name: String, until: Date) async throws
    /// Ends the hold `name`. Absent holds are not an error.
    func releaseCollectionHold(_ name: String) async throws
    /// Writes a consistent copy of the metadata to the new file `path` (backup), pruned of what
    /// names no stored bytes of its own (upload sessions, an object store's catalog, blobs no
    /// repository links). - Returns: the blobs the copy names, whose bytes a backup must hold.
    /// - Throws: `StoreError.unsupported` for a driver whose copies its own tools make (PostgreSQL).
    func snapshot(into path: String) async throws -> [BlobInfo]
    /// How many repositories link each of `digests` (absent: none).
    func linkCounts(_ digests: [Digest]) async throws -> [Digest: Int]
    /// `linkedBlobSize`, refreshing the link's lease to `now` when it was last used before
    /// `staleBefore` (a HEAD of the blob): nothing is written while the lease is fresh.
    func linkedBlobSize(repository: Int64, digest: Digest, refreshingLeaseBefore staleBefore: Date, now: Date) async throws -> Int64?
}

/// A repository and a digest: a link's identity, or a manifest's.
public struct LinkKey: Sendable, Hashable, Comparable {
    public var repository: Int64
    public var digest: Digest

    public init(repository: Int64, digest: Digest) {
        self.repository = repository
        self.digest = digest
    }

    public static func < (a: LinkKey, b: LinkKey) -> Bool {
        (a.repository, a.digest.description) < (b.repository, b.digest.description)
    }
}

public struct CollectableLink: Sendable, Hashable {
    public var key: LinkKey
    public var repository: RepositoryName
    public var size: Int64
    public var usedAt: Date

    public init(key: LinkKey, repository: RepositoryName, size: Int64, usedAt: Date) {
        self.key = key
        self.repository = repository
        self.size = size
        self.usedAt = usedAt
    }
}

/// A manifest with the repository that holds it.
public struct StoredManifest: Sendable, Hashable {
    public var key: LinkKey
    public var repository: RepositoryName
    public var record: ManifestRecord

    public init(key: LinkKey, repository: RepositoryName, record: ManifestRecord) {
        self.key = key
        self.repository = repository
        self.record = record
    }
}
