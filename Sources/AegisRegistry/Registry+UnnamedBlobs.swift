import AegisCore
import AegisStore
import Foundation

extension Registry {
    /// Removes a blob's bytes unless, once they can no longer be read, some metadata names the
    /// digest or an upload claims it (`BlobStore.removeIfUnclaimed`). - Returns: whether they went.
    func removeBytesIfUnnamed(_ digest: Digest) async throws -> Bool {
        try await blobs.removeIfUnclaimed(digest) { try await metadata.knownBlobs([digest]).isEmpty }
    }

    /// Calls `body` with every stored blob that no metadata names and no upload claims (last
    /// written before `cutoff`, when given), asking the metadata in batches of 256.
    func forEachUnnamedBlob(writtenBefore cutoff: Date? = nil, _ body: (StoredBlob) async throws -> Void) async throws {
        var batch: [StoredBlob] = []
        func flush() async throws {
            let known = try await metadata.knownBlobs(batch.map(\.digest))
            for blob in batch where !known.contains(blob.digest) { try await body(blob) }
            batch.removeAll(keepingCapacity: true)
        }
        try await blobs.forEachBlob { blob in
            if let cutoff, blob.modified >= cutoff { return }
            batch.append(blob)
            if batch.count >= 256 { try await flush() }
        }
        try await flush()
    }
}
