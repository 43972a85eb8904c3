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
}
