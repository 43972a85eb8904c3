import AegisCore
import Foundation

/// Which repositories a listing may show: whole tenants, exact names and name prefixes.
public struct RepositoryFilter: Sendable, Hashable {
    public var tenants: [TenantID]
    public var names: [String]
    /// Prefixes ending in `/`.
    public var prefixes: [String]

    public init(tenants: [TenantID], names: [String] = [], prefixes: [String] = []) {
        self.tenants = tenants
        self.names = names
        self.prefixes = prefixes
    }

    /// Whether nothing at all is visible.
    public var isEmpty: Bool { tenants.isEmpty && names.isEmpty && prefixes.isEmpty }
}

/// Registry metadata: tenants, repositories, blob links, manifests, tags, uploads.
///
/// Every method is one transaction: a crash leaves either all of a change or none of it.
public protocol RegistryStore: Sendable {
    // MARK: Tenants

    /// Creates a tenant. - Throws: `StoreError.conflict` when it exists.
    func createTenant(_ tenant: TenantID) async throws -> TenantRecord
    /// All tenants in name order.
    func tenants() async throws -> [TenantRecord]
    /// One tenant, if it exists.
    func tenant(_ tenant: TenantID) async throws -> TenantRecord?
    /// Deletes an empty tenant. - Throws: `StoreError.notFound`, or `.conflict` while it has repositories.
    func deleteTenant(_ tenant: TenantID) async throws

    // MARK: Repositories

    /// A repository by name, if it exists.
    func repository(_ name: RepositoryName) async throws -> RepositoryRecord?
    /// The repository, created when missing. - Throws: `NAME_UNKNOWN` when its tenant does not exist.
    func createRepositoryIfNeeded(_ name: RepositoryName) async throws -> RepositoryRecord
    /// Repository names in lexical order after `after`, at most `limit`; when `visible` is given,
    /// only those it lets through.
    func repositoryNames(after: String?, limit: Int, visible: RepositoryFilter?) async throws -> [String]

    // MARK: Blobs

    /// The size of a blob if it is linked in the repository.
    func linkedBlobSize(repository: Int64, digest: Digest) async throws -> Int64?
    /// Records a blob and links it into the repository.
    func linkBlob(repository: Int64, digest: Digest, size: Int64) async throws
    /// Removes a blob's link. - Returns: whether a link existed.
    func unlinkBlob(repository: Int64, digest: Digest) async throws -> Bool
    /// The size of a blob if any repository of `tenant` links it (for mounts without `from`).
    func blobSizeLinked(inTenant tenant: TenantID, digest: Digest) async throws -> Int64?
    /// Whether any repository links the blob (so its bytes must be kept).
    func isBlobLinkedAnywhere(_ digest: Digest) async throws -> Bool

    // MARK: Uploads

    func createUpload(_ upload: UploadRecord) async throws
    func upload(_ id: UploadID) async throws -> UploadRecord?
    func touchUpload(_ id: UploadID, at date: Date) async throws
    /// Records what a verified upload is being committed as, before its bytes move (see `UploadRecord.finalizing`).
    func markUploadFinalizing(_ id: UploadID, as blob: BlobInfo) async throws
    /// Which of `digests` the metadata knows: a blob row, or an upload being committed as it.
    /// Bytes of any other digest belong to nobody (the orphan sweep's question).
    func knownBlobs(_ digests: [Digest]) async throws -> Set<Digest>
    /// Links the finished blob and ends the session, in one transaction.
    func completeUpload(_ id: UploadID, repository: Int64, digest: Digest, size: Int64) async throws
    func deleteUpload(_ id: UploadID) async throws
    /// Sessions idle since before `date`.
    func uploads(updatedBefore date: Date) async throws -> [UploadRecord]
    /// Whether any session record exists for `id`.
    func uploadExists(_ id: UploadID) async throws -> Bool

    // MARK: Manifests and tags

    /// Stores a manifest and points `tags` at it, after checking its references exist in the repository.
    /// - Throws: `MANIFEST_BLOB_UNKNOWN` when a reference is missing.
    func putManifest(repository: Int64, _ manifest: ManifestRecord, references: ManifestReferences, tags: [Tag]) async throws
    /// A manifest with its content.
    func manifest(repository: Int64, digest: Digest) async throws -> ManifestRecord?
    /// The manifest a tag points at, with its content.
    func manifest(repository: Int64, tag: Tag) async throws -> ManifestRecord?
    /// Deletes a manifest and every tag on it. - Returns: whether it existed.
    func deleteManifest(repository: Int64, digest: Digest) async throws -> Bool
    /// Removes a tag. - Returns: whether it existed.
    func deleteTag(repository: Int64, tag: Tag) async throws -> Bool
    /// Tags in lexical order after `after`, at most `limit`.
    func tags(repository: Int64, after: String?, limit: Int) async throws -> [String]
    /// Whether the tag exists.
    func tagExists(repository: Int64, tag: String) async throws -> Bool
    /// Manifests whose subject is `subject` (content omitted), by digest after `after`, at most `limit`.
    func referrers(repository: Int64, subject: Digest, artifactType: String?, after: String?, limit: Int) async throws
        -> [ManifestRecord]
}
