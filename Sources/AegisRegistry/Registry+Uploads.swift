import AegisCore
import AegisStore
import Foundation
import NIOCore

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
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start else {
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
        _ = try await session(id, in: name)
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
    /// - Throws: `DIGEST_INVALID` when the content does not hash to `digest`.
    public func finishUpload<Body: AsyncSequence>(
        _ id: UploadID, in name: RepositoryName, digest: Digest, range: ChunkRange?, contentLength: Int64?, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        let upload = try await session(id, in: name)
        return try await withClaim(on: id) {
            let size = try await write(body, to: upload, range: range, contentLength: contentLength)
            let actual = try await currentDigest(of: upload, size: size, algorithm: digest.algorithm)
            guard actual == digest else {
                throw RegistryError(
                    .digestInvalid, "provided digest did not match uploaded content",
                    detail: ["expected": digest.description, "actual": actual.description])
            }
            try await blobs.commitUpload(id, as: digest)
            try await metadata.completeUpload(id, repository: upload.repositoryID, digest: digest, size: size)
            uploadStates.forget(id)
            return size
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

    private func withClaim<T>(on id: UploadID, _ body: () async throws -> T) async throws -> T {
        guard uploadStates.claim(id) else {
            throw RegistryError(.rangeInvalid, "another request is writing to this upload", detail: ["upload": id.value])
        }
        defer { uploadStates.release(id) }
        return try await body()
    }

    /// Writes a body at the end of the upload after checking its declared position; returns the new size.
    private func write<Body: AsyncSequence>(
        _ body: Body, to upload: UploadRecord, range: ChunkRange?, contentLength: Int64?
    ) async throws -> Int64 where Body.Element == ByteBuffer {
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
        if let contentLength, offset + contentLength > limits.maxBlobBytes {
            throw RegistryError(.payloadTooLarge, "blob exceeds the limit of \(limits.maxBlobBytes) bytes")
        }
        let hasher = try await hashState(of: upload, size: offset)
        let (size, updated) = try await blobs.append(
            to: upload.id, at: offset, body: body, limit: limits.maxBlobBytes, expectedLength: range?.count ?? contentLength,
            hasher: hasher)
        uploadStates.store(updated, for: upload.id, size: size)
        return size
    }

    /// The hash state covering the first `size` bytes, from the cache or recomputed from storage.
    private func hashState(of upload: UploadRecord, size: Int64) async throws -> DigestHasher {
        if let cached = uploadStates.hasher(for: upload.id, size: size) { return cached }
        return try await rehash(upload.id, algorithm: upload.algorithm)
    }

    private func currentDigest(of upload: UploadRecord, size: Int64, algorithm: DigestAlgorithm) async throws -> Digest {
        if algorithm == upload.algorithm, let cached = uploadStates.hasher(for: upload.id, size: size) {
            return cached.finalize()
        }
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
