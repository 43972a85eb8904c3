import AegisCore
import AegisStore
import Foundation
import NIOCore

extension S3BlobStore {
    public func createUpload(_ id: UploadID) async throws {
        try await catalog.insertObjectUpload(ObjectUploadState(id: id, key: Self.objectKey(of: id), updatedAt: Date()))
    }

    public func uploadSize(_ id: UploadID) async throws -> Int64? {
        try await catalog.objectUpload(id)?.size
    }

    /// Appends by buffering up to `partSize` bytes and sending each full buffer as a part; what
    /// is left (under 5 MiB) goes to a pending object. The new state replaces the one read only if
    /// no other request replaced it meanwhile (`RANGE_INVALID` otherwise); until then nothing this
    /// request wrote is referenced, so a failure leaves the upload as it was.
    public func append<Body: AsyncSequence>(
        to id: UploadID, at offset: Int64, body: Body, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?, isLast: Bool
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer {
        guard let state = try await catalog.objectUpload(id) else {
            throw RegistryError(.blobUploadUnknown, "upload session \(id) is unknown")
        }
        guard state.size == offset else { throw Self.changedMeanwhile(state) }
        var input = BodyReader(offset: offset, limit: limit, expectedLength: expectedLength, hasher: hasher)
        if state.isClosed {
            guard try await input.isEmpty(body) else {
                throw RegistryError(
                    .blobUploadInvalid, "the upload's \(state.size) bytes were closed by an earlier PUT; start a new upload")
            }
            return (state.size, hasher)
        }
        if isLast, offset == 0, state.parts.isEmpty, state.pending.isEmpty, let length = expectedLength,
            length > Int64(partSize), length <= Self.maximumSinglePut, length <= limit
        {
            return try await putWhole(body, length: length, state: state, input: input)
        }
        var writer = UploadWriter(store: self, state: state)
        do {
            for try await chunk in body {
                try input.take(chunk)
                try await writer.add(chunk)
            }
            try input.finish()
            try await writer.finish(isLast: isLast)
            try await writer.save()
        } catch {
            await writer.discardUnsaved()
            throw error
        }
        return (writer.state.size, input.hasher)
    }

    /// One streamed PutObject of a whole blob whose length is known: no buffering, no parts.
    private func putWhole<Body: AsyncSequence>(
        _ body: Body, length: Int64, state: ObjectUploadState, input: BodyReader
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer {
        var input = input
        let channel = BodyChannel()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    _ = try await s3("writing upload \(state.id)") {
                        try await client.putObject(state.key, body: channel.stream, length: length)
                    }
                } catch {
                    channel.fail(error)
                    throw error
                }
            }
            do {
                for try await chunk in body {
                    try input.take(chunk)
                    // The request failed: its error, not the body's shortness, is the answer.
                    guard try await channel.send(chunk) else { return try await group.waitForAll() }
                }
                try input.finish()
                channel.finish()
            } catch {
                channel.fail(error)
                try? await group.waitForAll()
                throw error
            }
            try await group.waitForAll()
        }
        var closed = state
        closed.size = length
        closed.isClosed = true
        closed.version += 1
        closed.updatedAt = Date()
        guard try await catalog.replaceObjectUpload(closed) else {
            try? await s3("removing upload \(state.id)") { try await client.deleteObject(state.key) }
            throw Self.changedMeanwhile(state)
        }
        return (length, input.hasher)
    }

    public func readUpload(_ id: UploadID, into consume: (ByteBuffer) async throws -> Void) async throws {
        throw RegistryError(.unsupported, "an open upload in S3 cannot be read back")
    }

    /// Seals the upload (its last bytes sent, the multipart upload completed), verifies the digest
    /// when asked, then records the object as the digest's: the only step that makes it visible.
    /// A retry after a crash at any step finds the upload sealed, or the digest recorded.
    public func commitUpload(_ id: UploadID, as digest: Digest, verifying: Bool) async throws {
        guard var state = try await catalog.objectUpload(id) else {
            if try await catalog.blobObject(digest) != nil { return }
            throw RegistryError(.blobUploadUnknown, "upload session \(id) is unknown")
        }
        if state.multipartID != nil || !state.isClosed || !state.pending.isEmpty {
            var writer = UploadWriter(store: self, state: state)
            do {
                try await writer.finish(isLast: true)
                try await writer.complete()
                try await writer.save()
            } catch {
                await writer.discardUnsaved()
                throw error
            }
            state = writer.state
        }
        if verifying {
            var hasher = DigestHasher(digest.algorithm)
            try await s3("verifying upload \(id)") {
                try await client.getObject(state.key) { chunk in chunk.withUnsafeReadableBytes { hasher.update($0) } }
            }
            guard hasher.finalize() == digest else {
                try await deleteUpload(id)
                throw RegistryError(.digestInvalid, "provided digest did not match uploaded content")
            }
        }
        let record = try await catalog.insertBlobObject(BlobObjectRecord(digest: digest, key: state.key, size: state.size, createdAt: Date()))
        try await catalog.deleteObjectUpload(id)
        if record.key != state.key {
            // The digest was already stored: this copy is surplus.
            try? await s3("removing a duplicate of \(digest)") { try await client.deleteObject(state.key) }
        }
    }

    /// Aborts the multipart upload and removes the upload's objects: its pending objects, any left
    /// under its prefix by a request that failed before it recorded them, and its object unless a
    /// digest's record points at it.
    public func deleteUpload(_ id: UploadID) async throws {
        let state = try await catalog.objectUpload(id)
        let key = state?.key ?? Self.objectKey(of: id)
        try await s3("removing upload \(id)") {
            if let state, let multipartID = state.multipartID {
                try await client.abortMultipartUpload(state.key, uploadID: multipartID)
            }
            for pending in state?.pending ?? [] { try await client.deleteObject(pending.key) }
            var strays: [String] = []
            try await client.forEachObject(prefix: Self.pendingPrefix(of: id)) { strays.append($0.key) }
            for stray in strays { try await client.deleteObject(stray) }
            if try await !catalog.isBlobObject(key: key) { try await client.deleteObject(key) }
        }
        try await catalog.deleteObjectUpload(id)
    }

    public func uploadIDs() async throws -> [UploadID] {
        try await catalog.objectUploadIDs()
    }

    static func changedMeanwhile(_ state: ObjectUploadState) -> RegistryError {
        RegistryError(
            .rangeInvalid, "another request changed the upload meanwhile; ask for its offset and retry",
            detail: ["upload": state.id.value])
    }
}
