import AegisCore
import Foundation
import NIOCore

/// Content-addressed blob storage plus the temporary objects that uploads write into.
///
/// A store knows nothing of repositories or tenants: it holds bytes by digest. Visibility is the
/// metadata store's business (links), so a blob present here is never revealed by its mere existence.
public protocol BlobStore: Sendable {
    /// The size of a stored blob, or `nil` when it is absent.
    func size(of digest: Digest) async throws -> Int64?

    /// Streams the bytes of `range` (inclusive) of a blob to `consume`, in chunks.
    /// - Throws: `BLOB_UNKNOWN` when the blob is absent.
    func read(_ digest: Digest, range: ClosedRange<Int64>, into consume: (ByteBuffer) async throws -> Void) async throws

    /// Removes a blob. Absent blobs are not an error.
    func delete(_ digest: Digest) async throws

    /// Creates an empty temporary object for an upload.
    func createUpload(_ id: UploadID) async throws

    /// The number of bytes written to an upload so far, or `nil` when it does not exist.
    func uploadSize(_ id: UploadID) async throws -> Int64?

    /// Whether `readUpload` can stream the bytes of an open upload. False for an object store,
    /// where the parts of an unfinished multipart upload cannot be read back: a node without an
    /// upload's hash state then appends without one, and its commit verifies the digest.
    var canReadUploads: Bool { get }

    /// Appends a body to an upload at `offset`, updating `hasher` (when there is one) with every
    /// byte written.
    ///
    /// On any failure (exceeding `limit`, a body whose length differs from `expectedLength`, a
    /// dropped connection) the upload is cut back to `offset`, so a failed request leaves the
    /// session exactly as it was.
    /// - Parameter isLast: No bytes will follow (the request that closes the upload): a store
    ///   may write the whole body as one object, or the remainder as the final part.
    /// - Returns: The new size of the upload and the updated hash state.
    /// - Throws: `payloadTooLarge` when the upload would exceed `limit` bytes, `sizeInvalid`
    ///   when the body length differs from `expectedLength`, `RANGE_INVALID` when another
    ///   request changed the upload meanwhile.
    func append<Body: AsyncSequence>(
        to id: UploadID, at offset: Int64, body: Body, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?, isLast: Bool
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer

    /// Streams the bytes written to an upload so far (used to rebuild hash state after a
    /// restart), when `canReadUploads`.
    func readUpload(_ id: UploadID, into consume: (ByteBuffer) async throws -> Void) async throws

    /// Makes an upload durable and visible under `digest`, atomically. When the blob already exists
    /// the upload is discarded (content addressing makes the two identical).
    /// - Parameter verifying: Hash the bytes first (no hash state was kept while they were
    ///   written); when they do not hash to `digest` the upload is discarded.
    /// - Throws: `DIGEST_INVALID` when verifying finds other content.
    func commitUpload(_ id: UploadID, as digest: Digest, verifying: Bool) async throws

    /// Discards an upload. Absent uploads are not an error.
    func deleteUpload(_ id: UploadID) async throws

    /// The identifiers of every upload object present (to sweep orphans).
    func uploadIDs() async throws -> [UploadID]

    /// Calls `body` for every stored blob, in no particular order (to sweep orphans).
    func forEachBlob(_ body: (StoredBlob) async throws -> Void) async throws

    /// A URL from which anyone holding it may GET the blob (any `Range` too) for `expiresIn`,
    /// without credentials, or nil when the store has no such thing (files). For redirecting
    /// downloads to the object store or a CDN in front of it.
    func downloadURL(for digest: Digest, expiresIn: Duration) async throws -> String?

    /// Removes a blob only if `stillUnclaimed` still says so once the blob can no longer be read:
    /// the store first moves it aside, asks, and then deletes it or puts it back. A writer that
    /// claims the digest (a metadata row) before it commits bytes can therefore never lose them to
    /// a sweep that decided a moment earlier.
    /// - Returns: whether the blob was removed.
    func removeIfUnclaimed(_ digest: Digest, stillUnclaimed: () async throws -> Bool) async throws -> Bool
}

extension BlobStore {
    /// Appends a body that more may follow.
    public func append<Body: AsyncSequence>(
        to id: UploadID, at offset: Int64, body: Body, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer {
        try await append(to: id, at: offset, body: body, limit: limit, expectedLength: expectedLength, hasher: hasher, isLast: false)
    }

    /// None by default.
    public func downloadURL(for digest: Digest, expiresIn: Duration) async throws -> String? { nil }

    /// Commits an upload whose digest the caller computed while it was written.
    public func commitUpload(_ id: UploadID, as digest: Digest) async throws {
        try await commitUpload(id, as: digest, verifying: false)
    }
}

/// A blob as the store lists it.
public struct StoredBlob: Sendable, Hashable {
    public var digest: Digest
    public var size: Int64
    /// When its bytes were last written (committed).
    public var modified: Date

    public init(digest: Digest, size: Int64, modified: Date) {
        self.digest = digest
        self.size = size
        self.modified = modified
    }
}

/// The identifier of an upload session: a lowercase UUID.
public struct UploadID: Hashable, Sendable, CustomStringConvertible {
    /// The UUID text.
    public let value: String

    /// A new random identifier.
    public init() { value = UUID().uuidString.lowercased() }

    /// Parses an identifier from a URL.
    /// - Throws: `BLOB_UPLOAD_UNKNOWN` unless the text is a UUID.
    public init(parsing text: some StringProtocol) throws {
        guard let uuid = UUID(uuidString: String(text)) else {
            throw RegistryError(.blobUploadUnknown, "upload session '\(text)' is unknown")
        }
        value = uuid.uuidString.lowercased()
    }

    public var description: String { value }
}

extension UploadID: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an upload id"))
        }
        value = uuid.uuidString.lowercased()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
