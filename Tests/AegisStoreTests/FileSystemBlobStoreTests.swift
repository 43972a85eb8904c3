import AegisCore
import AegisStore
import AegisStoreFileSystem
import Foundation
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
}
