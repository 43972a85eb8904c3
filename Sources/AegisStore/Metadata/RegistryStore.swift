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
/// Reads are methods here; changes that other systems may care about go through `transaction`
/// (with their events). Each method is one transaction: a crash leaves all of a change or none of it.
public protocol RegistryStore: TransactionalStore {
    // MARK: Tenants

    /// All tenants in name order.
    func tenants() async throws -> [TenantRecord]
    /// One tenant, if it exists.
    func tenant(_ tenant: TenantID) async throws -> TenantRecord?

    // MARK: Repositories

    /// A repository by name, if it exists.
    func repository(_ name: RepositoryName) async throws -> RepositoryRecord?
    /// Repository names in lexical order after `after`, at most `limit`; when `visible` is given,
    /// only those it lets through.
    func repositoryNames(after: String?, limit: Int, visible: RepositoryFilter?) async throws -> [String]

    // MARK: Blobs

    /// The size of a blob if it is linked in the repository.
    func linkedBlobSize(repository: Int64, digest: Digest) async throws -> Int64?
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
    func deleteUpload(_ id: UploadID) async throws
    /// Sessions idle since before `date`.
    func uploads(updatedBefore date: Date) async throws -> [UploadRecord]
    /// Whether any session record exists for `id`.
    func uploadExists(_ id: UploadID) async throws -> Bool

    // MARK: Manifests and tags

    /// A manifest with its content.
    func manifest(repository: Int64, digest: Digest) async throws -> ManifestRecord?
    /// The manifest a tag points at, with its content.
    func manifest(repository: Int64, tag: Tag) async throws -> ManifestRecord?
    /// Tags in lexical order after `after`, at most `limit`.
    func tags(repository: Int64, after: String?, limit: Int) async throws -> [String]
    /// Whether the tag exists.
    func tagExists(repository: Int64, tag: String) async throws -> Bool
    /// Manifests whose subject is `subject` (content omitted), by digest after `after`, at most `limit`.
    func referrers(repository: Int64, subject: Digest, artifactType: String?, after: String?, limit: Int) async throws
        -> [ManifestRecord]
}
