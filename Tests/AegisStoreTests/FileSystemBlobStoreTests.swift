import AegisCore
import AegisStore
import AegisStoreFileSystem
import Foundation
import NIOCore
import Testing

@Suite struct FileSystemBlobStoreTests {
    func withStore(_ body: (FileSystemBlobStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try await body(try await FileSystemBlobStore(root: directory.path))
    }

    @Test func appendCommitAndRead() async throws { try await withStore(BlobStoreConformance.appendCommitAndRead) }
    @Test func failedAppendLeavesUploadUnchanged() async throws {
        try await withStore(BlobStoreConformance.failedAppendLeavesUploadUnchanged)
    }
    @Test func committingExistingContentKeepsOneCopy() async throws {
        try await withStore(BlobStoreConformance.committingExistingContentKeepsOneCopy)
    }
    @Test func verifyingCommitChecksTheContent() async throws { try await withStore(BlobStoreConformance.verifyingCommitChecksTheContent) }
    @Test func absentThingsAreReportedAsAbsent() async throws { try await withStore(BlobStoreConformance.absentThingsAreReportedAsAbsent) }

    @Test func uploadIDsListsOnlyUploads() async throws {
        try await withStore { store in
            let id = UploadID()
            try await store.createUpload(id)
            #expect(try await store.uploadIDs() == [id])
            try await store.deleteUpload(id)
            #expect(try await store.uploadIDs().isEmpty)
        }
    }

    // MARK: Sweeps alongside other processes on the same directory

    private func storeBlob(_ store: FileSystemBlobStore, _ bytes: [UInt8]) async throws -> Digest {
        let id = UploadID()
        try await store.createUpload(id)
        let (_, hasher) = try await store.append(
            to: id, at: 0, body: Chunks([ByteBuffer(bytes: bytes)]), limit: 10_000, expectedLength: nil, hasher: DigestHasher(.sha256))
        let digest = try #require(hasher).finalize()
        try await store.commitUpload(id, as: digest)
        return digest
    }

    /// A backup or fsck opening the store while the server sweeps must not take the sweep's blob
    /// for a crashed one (CI failure: the opener's put-back raced the sweep's removal).
    @Test func openingTheStoreDuringASweepLeavesTheSweepAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try await FileSystemBlobStore(root: directory.path)
        let digest = try await storeBlob(store, [1, 2, 3])
        let removed = try await store.removeIfUnclaimed(digest) {
            _ = try await FileSystemBlobStore(root: directory.path)
            return true
        }
        #expect(removed)
        #expect(try await store.size(of: digest) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/trash").isEmpty)
    }

    @Test func aSweepWhoseBlobWasPutBackReportsItKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try await FileSystemBlobStore(root: directory.path)
        let digest = try await storeBlob(store, [4, 5, 6])
        let removed = try await store.removeIfUnclaimed(digest) {
            // Another process takes the entry for abandoned and puts it back.
            let trash = directory.path + "/trash"
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: trash).first)
            try FileManager.default.moveItem(
                atPath: trash + "/" + name, toPath: directory.path + "/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)")
            return true
        }
        #expect(!removed)
        #expect(try await store.size(of: digest) == 3)
    }

    @Test func abandonedSweepsArePutBackAtOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try await FileSystemBlobStore(root: directory.path)
        let old = try await storeBlob(store, [7])
        let stale = try await storeBlob(store, [8])
        let fresh = try await storeBlob(store, [9])
        let staleTime = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let freshTime = Int64(Date().timeIntervalSince1970 * 1000)
        for (digest, suffix) in [(old, UUID().uuidString), (stale, "\(staleTime)-\(UUID())"), (fresh, "\(freshTime)-\(UUID())")] {
            try FileManager.default.moveItem(
                atPath: directory.path + "/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)",
                toPath: directory.path + "/trash/sha256-\(digest.encoded).\(suffix)")
        }
        let reopened = try await FileSystemBlobStore(root: directory.path)
        #expect(try await reopened.size(of: old) == 1)
        #expect(try await reopened.size(of: stale) == 1)
        #expect(try await reopened.size(of: fresh) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/trash").count == 1)
    }
}
