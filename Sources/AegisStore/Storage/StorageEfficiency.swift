import AegisCore
import Foundation

/// What a tenant could stop paying to store (see `StorageStore.efficiency(of:limit:)`).
public struct StorageEfficiency: Sendable, Hashable {
    /// Manifests no tag reaches.
    public var untaggedManifests: Int
    /// Their bytes (manifest bodies).
    public var untaggedManifestBytes: Int64
    /// Linked blobs no reachable manifest references.
    public var reclaimableBlobs: Int
    /// Their bytes: what deleting the untagged manifests and then these blobs frees.
    public var reclaimableBytes: Int64
    /// The part of `reclaimableBytes` that no manifest at all references (uploads never used).
    public var unreferencedBytes: Int64
    /// The oldest untagged manifests, up to the limit asked for.
    public var oldestUntagged: [UntaggedManifest]

    /// One untagged manifest.
    public struct UntaggedManifest: Sendable, Hashable {
        public var repository: String
        public var digest: String
        public var size: Int64
        public var createdAt: Date

        public init(repository: String, digest: String, size: Int64, createdAt: Date) {
            self.repository = repository
            self.digest = digest
            self.size = size
            self.createdAt = createdAt
        }
    }

    public init(
        untaggedManifests: Int, untaggedManifestBytes: Int64, reclaimableBlobs: Int, reclaimableBytes: Int64, unreferencedBytes: Int64,
        oldestUntagged: [UntaggedManifest]
    ) {
        self.untaggedManifests = untaggedManifests
        self.untaggedManifestBytes = untaggedManifestBytes
        self.reclaimableBlobs = reclaimableBlobs
        self.reclaimableBytes = reclaimableBytes
        self.unreferencedBytes = unreferencedBytes
        self.oldestUntagged = oldestUntagged
    }
}
