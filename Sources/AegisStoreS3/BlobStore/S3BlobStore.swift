import AegisCore
import AegisStore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Blobs in an S3 bucket, with the catalog (which object holds each digest, and each open
/// upload's parts) in the shared metadata store, so that any node can serve any request.
///
/// Layout under the client's prefix: `objects/<upload id>`, the object an upload becomes and that
/// its digest's record then points at (a commit inserts that record: never a server-side copy);
/// `uploads/<upload id>/pending-…`, small objects holding bytes that do not fill a part yet.
///
/// Chunks are buffered in memory up to `partSize` per request and sent as parts of a multipart
/// upload; a remainder under 5 MiB (S3's smallest part) waits in a pending object until later
/// chunks, or the closing request, complete it. A whole blob sent in one request with a known
/// length streams into a single PutObject.
public struct S3BlobStore: BlobStore {
    /// The bucket.
    public let client: S3Client
    let catalog: any ObjectCatalogStore
    /// The size of every part but the last, and the most a request buffers in memory.
    public let partSize: Int
    /// Pending objects merged into one once there are this many (bounds the reads a part costs).
    let maximumPending = 32
    let logger: Logger

    /// The smallest and largest `partSize`: S3's 5 MiB minimum part, and 512 MiB.
    public static let partSizes = Int(S3Client.minimumPartSize)...(512 * 1024 * 1024)

    /// The largest object one PutObject may create (5 GiB); larger blobs go up in parts.
    static let maximumSinglePut: Int64 = 5 * 1024 * 1024 * 1024

    /// Creates a store; `partSize` is clamped to `partSizes`.
    public init(client: S3Client, catalog: any ObjectCatalogStore, partSize: Int = 8 * 1024 * 1024, logger: Logger) {
        self.client = client
        self.catalog = catalog
        self.partSize = min(max(partSize, Self.partSizes.lowerBound), Self.partSizes.upperBound)
        self.logger = logger
    }

    /// Never: parts of an unfinished multipart upload cannot be read back.
    public var canReadUploads: Bool { false }

    static func objectKey(of id: UploadID) -> String { "objects/\(id)" }
    static func pendingPrefix(of id: UploadID) -> String { "uploads/\(id)/" }

    public func size(of digest: Digest) async throws -> Int64? {
        try await catalog.blobObject(digest)?.size
    }

    public func read(_ digest: Digest, range: ClosedRange<Int64>, into consume: (ByteBuffer) async throws -> Void) async throws {
        guard let record = try await catalog.blobObject(digest) else { throw Self.unknown(digest) }
        try await s3("reading blob \(digest)") { try await client.getObject(record.key, range: range, into: consume) }
    }

    /// A presigned GET of the object holding `digest`, valid for `expiresIn` (for redirects).
    public func downloadURL(for digest: Digest, expiresIn: Duration) async throws -> String? {
        guard let record = try await catalog.blobObject(digest) else { return nil }
        return try client.presignedGetURL(for: record.key, expiresIn: expiresIn)
    }

    public func delete(_ digest: Digest) async throws {
        guard let record = try await catalog.blobObject(digest) else { return }
        try await catalog.deleteBlobObject(digest)
        try await s3("deleting blob \(digest)") { try await client.deleteObject(record.key) }
    }

    public func forEachBlob(_ body: (StoredBlob) async throws -> Void) async throws {
        var after: Digest?
        while true {
            let page = try await catalog.blobObjects(after: after, limit: 500)
            for record in page { try await body(StoredBlob(digest: record.digest, size: record.size, modified: record.createdAt)) }
            guard page.count == 500, let last = page.last else { return }
            after = last.digest
        }
    }

    public func removeIfUnclaimed(_ digest: Digest, stillUnclaimed: () async throws -> Bool) async throws -> Bool {
        guard let record = try await catalog.blobObject(digest), try await catalog.setBlobObjectRemoving(digest, true) else {
            return false
        }
        let unclaimed: Bool
        do {
            unclaimed = try await stillUnclaimed()
        } catch {
            _ = try? await catalog.setBlobObjectRemoving(digest, false)
            throw error
        }
        guard unclaimed else {
            _ = try await catalog.setBlobObjectRemoving(digest, false)
            return false
        }
        try await catalog.deleteBlobObject(digest)
        try await s3("deleting blob \(digest)") { try await client.deleteObject(record.key) }
        return true
    }

    static func unknown(_ digest: Digest) -> RegistryError {
        RegistryError(.blobUnknown, "blob unknown to registry", detail: ["digest": digest.description])
    }

    /// Runs S3 requests, turning S3's and the connection's failures into `UNAVAILABLE` (503):
    /// they say nothing about the client's request.
    @discardableResult
    func s3<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RegistryError {
            throw error
        } catch let error as S3Error {
            logger.error("S3 request failed", metadata: ["while": "\(what)", "error": "\(error)"])
            throw RegistryError(.unavailable, "blob storage failed while \(what): \(error.code)")
        } catch let error where error is HTTPClientError || error is NIOConnectionError || error is IOError || error is ChannelError {
            logger.error("S3 request failed", metadata: ["while": "\(what)", "error": "\(error)"])
            throw RegistryError(.unavailable, "blob storage is unreachable while \(what)")
        }
    }
}
