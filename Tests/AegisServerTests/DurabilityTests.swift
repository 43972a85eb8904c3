import AegisCore
import AegisRegistry
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite struct DurabilityTests {
    @Test func uploadInProgressSurvivesARestart() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let bytes = randomBytes(200_000)
        let location = try await registry.run { client in
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: "0-99999"], body: ByteBuffer(bytes: bytes[..<100_000])
            ) { #expect($0.status == .accepted) }
            return location
        }
        // A new process: no cached hash state, so it is rebuilt from the stored bytes.
        try await registry.run { client in
            try await client.execute(uri: location, method: .get) { #expect($0.header("Range") == "0-99999") }
            try await client.execute(
                uri: location, method: .patch, headers: [.contentRange: "100000-199999"], body: ByteBuffer(bytes: bytes[100_000...])
            ) { #expect($0.status == .accepted) }
            try await client.execute(uri: "\(location)?digest=\(sha256(bytes))", method: .put) { #expect($0.status == .created) }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(bytes))", method: .get) { #expect($0.bodyBytes == bytes) }
        }
    }

    @Test func blobsAreStoredContentAddressedAndOnce() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let bytes = randomBytes(4096)
        try await registry.run { client in
            _ = try await client.pushBlob(bytes, to: "acme/one")
            _ = try await client.pushBlob(bytes, to: "globex/two")
        }
        let hex = String(sha256(bytes).dropFirst("sha256:".count))
        let path = registry.directory.appendingPathComponent("blobs/sha256/\(hex.prefix(2))/\(hex)").path
        #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        let uploads = try FileManager.default.contentsOfDirectory(atPath: registry.directory.appendingPathComponent("uploads").path)
        #expect(uploads.isEmpty)
    }

    @Test func staleUploadsAndOrphanObjectsExpire() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        _ = try await storage.metadata.createTenant(TenantID("acme"))
        var limits = RegistryLimits.default
        limits.uploadTimeoutSeconds = 60
        let core = Registry(metadata: storage.metadata, blobs: storage.blobs, limits: limits, logger: Logger(label: "test"))
        let name = try RepositoryName("acme/app")
        let stale = try await core.startUpload(in: name)
        let orphan = UploadID()
        try await storage.blobs.createUpload(orphan)

        #expect(try await core.expireUploads(now: Date()) == 1)  // only the orphan: the session is fresh
        #expect(try await storage.blobs.uploadSize(orphan) == nil)
        #expect(try await core.uploadStatus(stale.id, in: name).size == 0)

        #expect(try await core.expireUploads(now: Date().addingTimeInterval(61)) == 1)
        await #expect(throws: RegistryError.self) { try await core.uploadStatus(stale.id, in: name) }
        #expect(try await storage.blobs.uploadSize(stale.id) == nil)
    }

    /// The state a crash between moving an upload's bytes into the blob store and linking them
    /// leaves: the session says what it commits as, the upload object is gone, the blob file is in
    /// place. (scripts/process_tests.py kills a real server at each step; this is the same state,
    /// made directly.)
    private func crashedWhileFinishing(_ bytes: [UInt8]) async throws -> (TestRegistry, UploadID, Digest) {
        let registry = try TestRegistry()
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        _ = try await storage.metadata.createTenant(TenantID("acme"))
        let core = Registry(metadata: storage.metadata, blobs: storage.blobs, logger: Logger(label: "test"))
        let name = try RepositoryName("acme/app")
        let session = try await core.startUpload(in: name)
        _ = try await core.appendChunk(to: session.id, in: name, range: nil, contentLength: nil, body: Chunks([ByteBuffer(bytes: bytes)]))
        let digest = try Digest(parsing: sha256(bytes))
        try await storage.metadata.markUploadFinalizing(session.id, as: BlobInfo(digest: digest, size: Int64(bytes.count)))
        try await storage.blobs.commitUpload(session.id, as: digest)
        return (registry, session.id, digest)
    }

    @Test func aFinalPutRetriedAfterACrashLinksTheBytesAlreadyInPlace() async throws {
        let bytes = randomBytes(70_000)
        let (registry, id, digest) = try await crashedWhileFinishing(bytes)
        defer { registry.remove() }
        let location = "/v2/acme/app/blobs/uploads/\(id)"
        try await registry.run(tenants: []) { client in
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .head) { #expect($0.status == .notFound) }
            // The session is still there and reports every byte.
            try await client.execute(uri: location, method: .get) { response throws in
                #expect(response.status == .noContent)
                #expect(response.header("Range") == "0-69999")
            }
            // More bytes cannot be added to content that is already final.
            try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: [1])) { response throws in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.errorCode == "RANGE_INVALID")
            }
            try await client.execute(uri: "\(location)?digest=\(sha256([1]))", method: .put) { #expect($0.errorCode == "DIGEST_INVALID") }
            try await client.execute(uri: "\(location)?digest=\(digest)", method: .put) { #expect($0.status == .created) }
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { #expect($0.bodyBytes == bytes) }
            try await client.execute(uri: location, method: .get) { #expect($0.errorCode == "BLOB_UPLOAD_UNKNOWN") }
        }
    }

    @Test func bytesNoMetadataRefersToAreSweptAfterTheGracePeriod() async throws {
        let bytes = randomBytes(1000)
        let (registry, id, digest) = try await crashedWhileFinishing(bytes)
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let core = Registry(metadata: storage.metadata, blobs: storage.blobs, logger: Logger(label: "test"))
        let later = Date().addingTimeInterval(7200)
        // While the session lives, its digest is claimed: kept whatever its age.
        #expect(try await core.sweepOrphanBlobs(now: later, grace: 3600) == 0)
        #expect(try await storage.blobs.size(of: digest) == 1000)
        // The client never came back: the session expires, and then the bytes belong to nobody.
        try await storage.metadata.deleteUpload(id)
        #expect(try await core.sweepOrphanBlobs(now: Date(), grace: 3600) == 0)  // still within the grace period
        #expect(try await core.sweepOrphanBlobs(now: later, grace: 3600) == 1)
        #expect(try await storage.blobs.size(of: digest) == nil)
        // A linked blob of the same age is never touched.
        let name = try RepositoryName("acme/app")
        _ = try await core.uploadBlob(to: name, digest: digest, contentLength: 1000, body: Chunks([ByteBuffer(bytes: bytes)]))
        #expect(try await core.sweepOrphanBlobs(now: later, grace: 3600) == 0)
        #expect(try await core.blobSize(digest, in: name) == 1000)
    }

    @Test func aSweepNeverRemovesBytesClaimedWhileItDecided() async throws {
        let bytes = randomBytes(1000)
        let (registry, id, digest) = try await crashedWhileFinishing(bytes)
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let repositoryID = try #require(try await storage.metadata.upload(id)).repositoryID
        try await storage.metadata.deleteUpload(id)
        #expect(try await storage.metadata.knownBlobs([digest]).isEmpty)
        // Between the sweep's first look and its recheck, another push of the same content claims the digest.
        let removed = try await storage.blobs.removeIfUnclaimed(digest) {
            let other = UploadRecord(id: UploadID(), repositoryID: repositoryID, algorithm: .sha256, createdAt: Date(), updatedAt: Date())
            try await storage.metadata.createUpload(other)
            try await storage.metadata.markUploadFinalizing(other.id, as: BlobInfo(digest: digest, size: 1000))
            return try await storage.metadata.knownBlobs([digest]).isEmpty
        }
        #expect(!removed)
        #expect(try await storage.blobs.size(of: digest) == 1000)
    }
}
