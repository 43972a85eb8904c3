import AegisCore
import AegisStore
import Foundation
import Logging
import NIOCore
import Tracing

/// The state of an upload session as reported to clients.
public struct UploadSession: Sendable, Hashable {
    /// The session identifier (the last component of its `Location`).
    public var id: UploadID
    /// Bytes received so far.
    public var size: Int64
}

/// A chunk's declared position (`Content-Range: <start>-<end>`, inclusive).
public struct ChunkRange: Sendable, Hashable {
    public var start: Int64
    public var end: Int64

    /// Parses `^[0-9]+-[0-9]+$`.
    /// - Throws: `RANGE_INVALID` (416) when malformed or reversed.
    public init(parsing text: String) throws {
        let text = text.hasPrefix("bytes=") ? String(text.dropFirst(6)) : text
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        // `end < Int64.max` keeps `count` representable: no chunk is that large anyway.
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start, end < Int64.max else {
            throw RegistryError(.rangeInvalid, "Content-Range must be <start>-<end>")
        }
        self.start = start
        self.end = end
    }

    /// The number of bytes the range covers.
    public var count: Int64 { end - start + 1 }
}

extension Registry {
    /// Opens an upload session (`POST /blobs/uploads/`).
    public func startUpload(in name: RepositoryName, algorithm: DigestAlgorithm = .sha256) async throws -> UploadSession {
        let repository = try await writableRepository(name)
        let id = UploadID()
        let now = Date()
        // The record exists before the object, so the orphan sweep never removes a live upload.
        try await metadata.createUpload(
            UploadRecord(id: id, repositoryID: repository.id, algorithm: algorithm, createdAt: now, updatedAt: now))
        try await blobs.createUpload(id)
        return UploadSession(id: id, size: 0)
    }

    /// The session `id` of repository `name`, or `BLOB_UPLOAD_UNKNOWN`.
    func session(_ id: UploadID, in name: RepositoryName) async throws -> UploadRecord {
        guard let repository = try await self.repository(name), let upload = try await metadata.upload(id),
            upload.repositoryID == repository.id
        else {
            throw RegistryError(.blobUploadUnknown, "blob upload unknown to registry", detail: ["upload": id.value])
        }
        return upload
    }

    /// Bytes received so far (`GET <location>`).
    public func uploadStatus(_ id: UploadID, in name: RepositoryName) async throws -> UploadSession {
        let upload = try await session(id, in: name)
        if let committed = try await committedContent(of: upload) { return UploadSession(id: id, size: committed.size) }
        guard let size = try await blobs.uploadSize(id) else {
            throw RegistryError(.blobUploadUnknown, "blob upload unknown to registry", detail: ["upload": id.value])
        }
        return UploadSession(id: id, size: size)
    }

    /// Appends a chunk (`PATCH <location>`): at the end when `range` is nil, else exactly at `range.start`.
    /// - Throws: `RANGE_INVALID` (416) for an out-of-order or overlapping chunk, `SIZE_INVALID` when
    ///   the body length disagrees with the declared range or length.
    public func appendChunk<Body: AsyncSequence>(
        to id: UploadID, in name: RepositoryName, range: ChunkRange?, contentLength: Int64?, body: Body
    ) async throws -> UploadSession where Body.Element == ByteBuffer {
        let upload = try await session(id, in: name)
        return try await withClaim(on: id) {
            let size = try await write(body, to: upload, range: range, contentLength: contentLength)
            try await metadata.touchUpload(id, at: Date())
            return UploadSession(id: id, size: size)
        }
    }

    /// Closes an upload (`PUT <location>?digest=`), optionally with a last chunk, and links the blob.
    ///
    /// The steps, each safe to die after: the digest the content commits as is recorded in the
    /// session; the bytes move into the blob store; the blob is linked and the session ends in one
    /// transaction. A PUT retried after a crash in between finds the bytes in place and links them.
    /// - Throws: `DIGEST_INVALID` when the content does not hash to `digest`.
    public func finishUpload<Body: AsyncSequence>(
        _ id: UploadID, in name: RepositoryName, digest: Digest, range: ChunkRange?, contentLength: Int64?, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        let upload = try await session(id, in: name)
        return try await withClaim(on: id) {
            if let committed = try await committedContent(of: upload) {
                try Self.checkDigest(committed.digest, expected: digest)
                try await Self.requireNoMoreBytes(body, range: range, contentLength: contentLength, committed: committed)
                try await complete(upload, in: name, as: committed)
                return committed.size
            }
            let size = try await write(body, to: upload, range: range, contentLength: contentLength, isLast: true)
            // Without a hash state (another node wrote the last chunk, and the store cannot read
            // an open upload back), the store verifies the digest as it commits.
            let known = try await currentDigest(of: upload, size: size, algorithm: digest.algorithm)
            if let known { try Self.checkDigest(known, expected: digest) }
            try await metadata.markUploadFinalizing(id, as: BlobInfo(digest: digest, size: size))
            CrashPoint.uploadMarked.reach()
            do {
                try await blobs.commitUpload(id, as: digest, verifying: known == nil)
            } catch let error as RegistryError where error.code == .digestInvalid {
                try? await discard(id)
                throw RegistryError(
                    .digestInvalid, "provided digest did not match uploaded content; the upload was discarded",
                    detail: ["expected": digest.description])
            }
            CrashPoint.uploadMoved.reach()
            try await complete(upload, in: name, as: BlobInfo(digest: digest, size: size))
            CrashPoint.uploadLinked.reach()
            uploadStates.forget(id)
            return size
        }
    }

    /// Links the finished blob and ends the session, in one transaction.
    private func complete(_ upload: UploadRecord, in name: RepositoryName, as blob: BlobInfo) async throws {
        let repository = RepositoryRecord(id: upload.repositoryID, name: name)
        try await metadata.transaction { tx in
            try tx.link(blob.digest, size: blob.size, into: repository)
            try tx.deleteUpload(upload.id)
        }
    }

    private static func checkDigest(_ actual: Digest, expected: Digest) throws {
        guard actual == expected else {
            throw RegistryError(
                .digestInvalid, "provided digest did not match uploaded content",
                detail: ["expected": expected.description, "actual": actual.description])
        }
    }

    /// The content of a session whose bytes already moved into the blob store (a finishing PUT
    /// stopped before it linked them), or nil for a session still receiving bytes.
    func committedContent(of upload: UploadRecord) async throws -> BlobInfo? {
        guard let committed = upload.finalizing, try await blobs.uploadSize(upload.id) == nil,
            try await blobs.size(of: committed.digest) == committed.size
        else { return nil }
        return committed
    }

    /// A retried final PUT may not carry bytes: the content is fixed once it is in the blob store.
    private static func requireNoMoreBytes<Body: AsyncSequence>(
        _ body: Body, range: ChunkRange?, contentLength: Int64?, committed: BlobInfo
    ) async throws where Body.Element == ByteBuffer {
        var extra = (contentLength ?? 0) > 0 || range != nil
        if !extra {
            for try await buffer in body where buffer.readableBytes > 0 {
                extra = true
                break
            }
        }
        guard !extra else {
            throw RegistryError(
                .rangeInvalid, "the upload's \(committed.size) bytes are complete; close it with an empty PUT",
                detail: ["size": String(committed.size)])
        }
    }

    /// Uploads a whole blob in one request (`POST /blobs/uploads/?digest=`).
    public func uploadBlob<Body: AsyncSequence>(
        to name: RepositoryName, digest: Digest, contentLength: Int64?, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        let session = try await startUpload(in: name, algorithm: digest.algorithm)
        do {
            return try await finishUpload(session.id, in: name, digest: digest, range: nil, contentLength: contentLength, body: body)
        } catch {
            try? await cancelUpload(session.id, in: name)
            throw error
        }
    }

    /// Cancels a session (`DELETE <location>`).
    public func cancelUpload(_ id: UploadID, in name: RepositoryName) async throws {
        _ = try await session(id, in: name)
        try await discard(id)
    }

    /// Removes every trace of a session.
    func discard(_ id: UploadID) async throws {
        try await metadata.deleteUpload(id)
        try? await blobs.deleteUpload(id)
        uploadStates.forget(id)
    }

    /// Expires sessions idle for longer than the upload timeout, and upload objects without a session.
    /// - Returns: how many sessions and orphan objects were removed.
    @discardableResult
    public func expireUploads(now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(limits.uploadTimeoutSeconds))
        var removed = 0
        for upload in try await metadata.uploads(updatedBefore: cutoff) where uploadStates.claim(upload.id) {
            defer { uploadStates.release(upload.id) }
            try await discard(upload.id)
            removed += 1
        }
        for id in try await blobs.uploadIDs() where try await !metadata.uploadExists(id) {
            try? await blobs.deleteUpload(id)
            removed += 1
        }
        return removed
    }

    /// Removes blob bytes that no metadata knows (no blob row, no upload committing as them) and
    /// that are older than `grace`: what a crash between moving an upload's bytes and linking them
    /// leaves when its client never comes back. Each candidate is checked again once it can no
    /// longer be read (`BlobStore.removeIfUnclaimed`), so a push of the same content meanwhile keeps it.
    /// - Returns: how many blobs were removed.
    @discardableResult
    public func sweepOrphanBlobs(now: Date = Date(), grace: TimeInterval) async throws -> Int {
        var removed = 0
        try await forEachUnnamedBlob(writtenBefore: now.addingTimeInterval(-grace)) { blob in
            guard try await removeBytesIfUnnamed(blob.digest) else { return }
            removed += 1
            logger.notice("removed blob bytes no metadata refers to", metadata: ["digest": "\(blob.digest)"])
        }
        return removed
    }

    private func withClaim<T>(on id: UploadID, _ body: () async throws -> T) async throws -> T {
        guard uploadStates.claim(id) else {
            throw RegistryError(.rangeInvalid, "another request is writing to this upload", detail: ["upload": id.value])
        }
        defer { uploadStates.release(id) }
        return try await body()
    }

    /// Writes a body at the end of the upload after checking its declared position; returns the new size.
    private func write<Body: AsyncSequence>(
        _ body: Body, to upload: UploadRecord, range: ChunkRange?, contentLength: Int64?, isLast: Bool = false
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        if let committed = try await committedContent(of: upload) {
            throw RegistryError(
                .rangeInvalid, "the upload's \(committed.size) bytes are complete; close it with PUT ?digest=\(committed.digest)",
                detail: ["size": String(committed.size)])
        }
        guard let offset = try await blobs.uploadSize(upload.id) else {
            throw RegistryError(.blobUploadUnknown, "blob upload unknown to registry", detail: ["upload": upload.id.value])
        }
        if let range {
            guard range.start == offset else {
                throw RegistryError(
                    .rangeInvalid, "chunk starts at \(range.start) but the upload has \(offset) bytes",
                    detail: ["expected": String(offset)])
            }
            if let contentLength, contentLength != range.count {
                throw RegistryError(.sizeInvalid, "Content-Length \(contentLength) does not match Content-Range")
            }
        }
        if let contentLength, contentLength > limits.maxBlobBytes - offset {
            throw RegistryError(.payloadTooLarge, "blob exceeds the limit of \(limits.maxBlobBytes) bytes")
        }
        let hasher = try await hashState(of: upload, size: offset)
        let (size, updated) = try await withSpan("aegis.blob.write", ofKind: .client) { span in
            let written = try await blobs.append(
                to: upload.id, at: offset, body: body, limit: limits.maxBlobBytes, expectedLength: range?.count ?? contentLength,
                hasher: hasher, isLast: isLast)
            if span.isRecording { span.attributes["aegis.blob.bytes"] = Int(written.0 - offset) }
            return written
        }
        if let updated {
            uploadStates.store(updated, for: upload.id, size: size)
        } else {
            uploadStates.forget(upload.id)
        }
        return size
    }

    /// The hash state covering the first `size` bytes, from the cache or recomputed from storage;
    /// nil when neither can be had (see `BlobStore.canReadUploads`).
    private func hashState(of upload: UploadRecord, size: Int64) async throws -> DigestHasher? {
        if let cached = uploadStates.hasher(for: upload.id, size: size) { return cached }
        guard blobs.canReadUploads else { return nil }
        return try await rehash(upload.id, algorithm: upload.algorithm)
    }

    /// The digest of the upload's `size` bytes, or nil when it cannot be had without the bytes.
    private func currentDigest(of upload: UploadRecord, size: Int64, algorithm: DigestAlgorithm) async throws -> Digest? {
        if algorithm == upload.algorithm, let cached = uploadStates.hasher(for: upload.id, size: size) {
            return cached.finalize()
        }
        guard blobs.canReadUploads else { return nil }
        return try await rehash(upload.id, algorithm: algorithm).finalize()
    }

    private func rehash(_ id: UploadID, algorithm: DigestAlgorithm) async throws -> DigestHasher {
        var hasher = DigestHasher(algorithm)
        try await blobs.readUpload(id) { chunk in
            chunk.withUnsafeReadableBytes { hasher.update($0) }
        }
        return hasher
    }
}
