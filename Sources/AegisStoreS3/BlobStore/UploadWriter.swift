import AegisCore
import AegisStore
import Foundation
import NIOCore

/// One request's changes to an upload: parts sent, pending objects written and replaced, kept
/// apart from the stored state until `save` replaces it (compare-and-set on its version).
struct UploadWriter {
    let store: S3BlobStore
    /// The stored state this request builds on.
    private var base: ObjectUploadState
    /// The state once this request's bytes are in.
    private(set) var state: ObjectUploadState
    /// Bytes received and not yet sent (after the pending objects' bytes, once those are loaded).
    private var buffer = ByteBuffer()
    /// Pending objects this request wrote: removed unless saved.
    private var written: [String] = []
    /// Pending objects whose bytes this request took over: removed once saved.
    private var replaced: [String] = []
    private var saved = false

    init(store: S3BlobStore, state: ObjectUploadState) {
        self.store = store
        self.base = state
        self.state = state
    }

    private var pendingSize: Int64 { state.pending.reduce(0) { $0 + $1.size } }

    /// Takes a chunk, sending a part whenever `partSize` bytes are buffered.
    mutating func add(_ chunk: ByteBuffer) async throws {
        var chunk = chunk
        state.size += Int64(chunk.readableBytes)
        buffer.writeBuffer(&chunk)
        if !state.pending.isEmpty, pendingSize + Int64(buffer.readableBytes) >= Int64(store.partSize) {
            try await loadPending()
        }
        while buffer.readableBytes >= store.partSize, let part = buffer.readSlice(length: store.partSize) {
            try await send(part)
            buffer.discardReadBytes()
        }
    }

    /// Places what is still buffered: as the last part or the whole object when `isLast`; else as
    /// a part when it is large enough, or as a pending object.
    mutating func finish(isLast: Bool) async throws {
        let carried = pendingSize + Int64(buffer.readableBytes)
        if !state.pending.isEmpty, isLast || carried >= S3Client.minimumPartSize || state.pending.count >= store.maximumPending {
            try await loadPending()
        }
        let remainder = buffer
        buffer = ByteBuffer()
        if isLast {
            if state.multipartID == nil {
                _ = try await store.s3("writing upload \(state.id)") { try await store.client.putObject(state.key, bytes: remainder) }
            } else if remainder.readableBytes > 0 {
                try await send(remainder)
            }
            state.isClosed = true
        } else if Int64(remainder.readableBytes) >= S3Client.minimumPartSize {
            try await send(remainder)
        } else if remainder.readableBytes > 0 {
            let at = state.size - Int64(remainder.readableBytes)
            let key = S3BlobStore.pendingPrefix(of: state.id) + "pending-\(at)-\(UUID().uuidString.lowercased())"
            written.append(key)
            _ = try await store.s3("writing upload \(state.id)") { try await store.client.putObject(key, bytes: remainder) }
            state.pending.append(.init(key: key, size: Int64(remainder.readableBytes)))
        }
    }

    /// Completes the multipart upload, if there is one. A retry that finds it gone (an earlier
    /// attempt completed it, then stopped) accepts the object if it has the upload's size.
    mutating func complete() async throws {
        guard let multipartID = state.multipartID else { return }
        let (key, size) = (state.key, state.size)
        let parts = state.parts.map { S3CompletedPart(number: $0.number, etag: $0.etag) }
        try await store.s3("completing upload \(state.id)") {
            do {
                try await store.client.completeMultipartUpload(key, uploadID: multipartID, parts: parts)
            } catch let error as S3Error where error.code == .noSuchUpload {
                guard let object = try await store.client.headObject(key), object.size == size else {
                    throw RegistryError(.blobUploadInvalid, "the upload's parts are gone from the object store; start a new upload")
                }
            } catch let error as S3Error where [.invalidPart, .invalidPartOrder, .entityTooSmall].contains(error.code) {
                throw RegistryError(
                    .blobUploadInvalid, "the upload's parts changed under it (two requests wrote to it at once); start a new upload")
            }
        }
        state.multipartID = nil
        state.parts = []
    }

    /// Replaces the stored state with this request's, if no other request replaced it first.
    /// - Throws: `RANGE_INVALID` when one did.
    mutating func save() async throws {
        state.version = base.version + 1
        state.updatedAt = Date()
        guard try await store.catalog.replaceObjectUpload(state) else { throw S3BlobStore.changedMeanwhile(state) }
        saved = true
        for key in replaced { try? await store.s3("removing pending bytes") { try await store.client.deleteObject(key) } }
    }

    /// Removes what this request wrote, when it did not save (parts need nothing: the next request
    /// sends the same part numbers again, and completion names only recorded parts).
    func discardUnsaved() async {
        guard !saved else { return }
        for key in written { try? await store.s3("removing pending bytes") { try await store.client.deleteObject(key) } }
    }

    /// Moves the pending objects' bytes in front of the buffer (they are under 5 MiB in all).
    private mutating func loadPending() async throws {
        let expected = pendingSize
        var front = ByteBuffer()
        front.reserveCapacity(Int(expected) + buffer.readableBytes)
        for pending in state.pending {
            try await store.s3("reading pending bytes of upload \(state.id)") {
                try await store.client.getObject(pending.key) { chunk in
                    var chunk = chunk
                    front.writeBuffer(&chunk)
                }
            }
        }
        guard Int64(front.readableBytes) == expected else {
            throw RegistryError(.unavailable, "the pending bytes of upload \(state.id) changed in the object store")
        }
        front.writeBuffer(&buffer)
        buffer = front
        replaced += state.pending.map(\.key)
        state.pending = []
    }

    /// Sends one part, creating the multipart upload first when there is none. Its id is recorded
    /// at once, so that an upload interrupted from here on can still be aborted.
    private mutating func send(_ part: ByteBuffer) async throws {
        if state.multipartID == nil {
            let key = state.key
            let multipartID = try await store.s3("starting upload \(state.id)") { try await store.client.createMultipartUpload(key) }
            var marked = base
            marked.multipartID = multipartID
            marked.version += 1
            marked.updatedAt = Date()
            guard try await store.catalog.replaceObjectUpload(marked) else {
                try? await store.s3("aborting upload \(state.id)") {
                    try await store.client.abortMultipartUpload(key, uploadID: multipartID)
                }
                throw S3BlobStore.changedMeanwhile(state)
            }
            base = marked
            state.multipartID = multipartID
        }
        guard let multipartID = state.multipartID else { return }
        let number = (state.parts.last?.number ?? 0) + 1
        guard number <= S3Client.maximumPartNumber else {
            throw RegistryError(
                .payloadTooLarge, "an upload holds at most \(S3Client.maximumPartNumber) parts of \(store.partSize) bytes")
        }
        let (key, id) = (state.key, state.id)
        let sent = try await store.s3("writing upload \(id)") {
            try await store.client.uploadPart(key, uploadID: multipartID, partNumber: number, bytes: part)
        }
        state.parts.append(.init(number: number, etag: sent.etag, size: Int64(part.readableBytes)))
    }
}
