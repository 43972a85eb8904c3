import AegisCore
import Foundation

/// What a blob driver on an object store (S3) keeps in the metadata store, shared by every node:
/// which object holds each digest, and the state of each open upload.
///
/// The store never lists the object store to learn either (S3's listings of multipart uploads lag
/// on several S3-compatible servers), and a commit is a row insert, never a server-side copy.
public protocol ObjectCatalogStore: Sendable {
    /// The object holding `digest`, unless absent or being removed.
    func blobObject(_ digest: Digest) async throws -> BlobObjectRecord?

    /// Records that `record.key` holds `record.digest`, unless the digest is already recorded.
    /// - Returns: the record in force: `record`, or the one already there (its object is the
    ///   digest's, and the caller's copy is surplus).
    func insertBlobObject(_ record: BlobObjectRecord) async throws -> BlobObjectRecord

    /// Whether some digest is held by the object `key` (being removed or not).
    func isBlobObject(key: String) async throws -> Bool

    /// Up to `limit` records, by digest, after `digest` (or from the first), including those being removed.
    func blobObjects(after digest: Digest?, limit: Int) async throws -> [BlobObjectRecord]

    /// Marks or unmarks a record as being removed: while marked, `blobObject` reports the digest
    /// absent. - Returns: whether the record exists (and was not already in that state).
    func setBlobObjectRemoving(_ digest: Digest, _ removing: Bool) async throws -> Bool

    /// Forgets the record of `digest`. Absent records are not an error.
    func deleteBlobObject(_ digest: Digest) async throws

    /// The state of an open upload.
    func objectUpload(_ id: UploadID) async throws -> ObjectUploadState?

    /// Records a new upload. - Throws: `StoreError.conflict` when `state.id` exists.
    func insertObjectUpload(_ state: ObjectUploadState) async throws

    /// Replaces an upload's state with `state` if its stored version is still `state.version - 1`.
    /// - Returns: false when another writer replaced it first (or it was deleted).
    func replaceObjectUpload(_ state: ObjectUploadState) async throws -> Bool

    /// Forgets an upload. Absent uploads are not an error.
    func deleteObjectUpload(_ id: UploadID) async throws

    /// The identifiers of every recorded upload.
    func objectUploadIDs() async throws -> [UploadID]
}

/// The object that holds a blob's bytes.
public struct BlobObjectRecord: Sendable, Hashable {
    public var digest: Digest
    /// The object's key, relative to the driver's prefix.
    public var key: String
    public var size: Int64
    /// When the blob was committed.
    public var createdAt: Date

    public init(digest: Digest, key: String, size: Int64, createdAt: Date) {
        self.digest = digest
        self.key = key
        self.size = size
        self.createdAt = createdAt
    }
}

/// Where an open upload's bytes are in the object store: completed parts of a multipart upload,
/// then pending objects too small to be a part yet (S3 wants 5 MiB for every part but the last).
public struct ObjectUploadState: Sendable, Hashable, Codable {
    /// A completed part of the multipart upload.
    public struct Part: Sendable, Hashable, Codable {
        public var number: Int
        public var etag: String
        public var size: Int64

        public init(number: Int, etag: String, size: Int64) {
            self.number = number
            self.etag = etag
            self.size = size
        }
    }

    /// A small object holding the bytes that follow the parts, in order.
    public struct Pending: Sendable, Hashable, Codable {
        public var key: String
        public var size: Int64

        public init(key: String, size: Int64) {
            self.key = key
            self.size = size
        }
    }

    public var id: UploadID
    /// The key the finished blob's object gets.
    public var key: String
    /// The multipart upload, once the first part is due.
    public var multipartID: String?
    public var parts: [Part]
    public var pending: [Pending]
    /// Bytes received: the parts', the pending objects', or the finished object's.
    public var size: Int64
    /// Whether `key` already holds all the bytes (a streamed single PUT, or a completed multipart
    /// upload), so that no more can be appended.
    public var isClosed: Bool
    /// Incremented by every replacement (optimistic concurrency between nodes).
    public var version: Int64
    public var updatedAt: Date

    public init(
        id: UploadID, key: String, multipartID: String? = nil, parts: [Part] = [], pending: [Pending] = [], size: Int64 = 0,
        isClosed: Bool = false, version: Int64 = 1, updatedAt: Date
    ) {
        self.id = id
        self.key = key
        self.multipartID = multipartID
        self.parts = parts
        self.pending = pending
        self.size = size
        self.isClosed = isClosed
        self.version = version
        self.updatedAt = updatedAt
    }
}

extension ObjectUploadState {
    /// The state as the drivers store it: one JSON document.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a stored state back.
    public init(json: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        self = try decoder.decode(Self.self, from: Data(json.utf8))
    }
}
