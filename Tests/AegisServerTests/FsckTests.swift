import AegisConfig
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

/// fsck over a real server's data: clean when nothing is wrong, and each kind of damage found
/// (and, where no data can be lost, repaired).
@Suite struct FsckTests {
    func objectPath(_ digest: String, in registry: TestRegistry) -> String {
        let hex = String(digest.dropFirst("sha256:".count))
        return registry.configuration.dataDirectory + "/blobs/sha256/\(hex.prefix(2))/\(hex)"
    }

    @Test func damageIsFoundAndOnlySafeRepairsAreMade() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let (damaged, lost, unlinked) = (randomBytes(2000), randomBytes(3000), randomBytes(700))
        try await registry.run { client in
            // Uploaded, then unlinked: a blob no repository links (until garbage collection).
            try await client.pushBlob(unlinked, to: "acme/other")
            try await client.execute(uri: "/v2/acme/other/blobs/\(sha256(unlinked))", method: .delete) { #expect($0.status == .accepted) }
            _ = try await GarbageCollectionTests.push([damaged, lost], to: "acme/app", tag: "v1", client)
            let index = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
            _ = try await client.pushManifest(Array(index.utf8), to: "acme/app", reference: "index", mediaType: MediaType.ociIndex)
        }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let checker = GarbageCollectionTests.registry(of: storage)
        let clean = try await checker.check(deep: true, repair: false)
        #expect(clean.problems.map(\.kind) == ["unlinked_blob"])
        #expect(clean.manifests == 2 && clean.blobs == 4)
        #expect(clean.bytesHashed == Int64(GarbageCollectionTests.config.count + damaged.count + lost.count + unlinked.count))

        // Same size, other bytes: only a deep check sees it. A deleted object: any check.
        var flipped = damaged
        flipped[100] ^= 0xFF
        try Data(flipped).write(to: URL(fileURLWithPath: objectPath(sha256(damaged), in: registry)))
        try FileManager.default.removeItem(atPath: objectPath(sha256(lost), in: registry))
        // An object no metadata names.
        let stray = randomBytes(500)
        let upload = UploadID()
        try await storage.blobs.createUpload(upload)
        _ = try await storage.blobs.append(
            to: upload, at: 0, body: Chunks([ByteBuffer(bytes: stray)]), limit: 1 << 20, expectedLength: nil, hasher: nil, isLast: true)
        try await storage.blobs.commitUpload(upload, as: DigestHasher.digest(of: stray), verifying: true)

        let shallow = try await checker.check(deep: false, repair: false)
        #expect(shallow.problems.map(\.kind).sorted() == ["missing_object", "orphan_object", "unlinked_blob"])
        let deep = try await checker.check(deep: true, repair: false)
        #expect(deep.problems.map(\.kind).sorted() == ["digest_mismatch", "missing_object", "orphan_object", "unlinked_blob"])
        #expect(deep.problems.first { $0.kind == "digest_mismatch" }?.subject == sha256(damaged))
        #expect(deep.problems.first { $0.kind == "missing_object" }?.subject == sha256(lost))
        #expect(deep.unrepaired == 4)

        let repaired = try await checker.check(deep: true, repair: true)
        #expect(repaired.problems.filter(\.repaired).map(\.kind).sorted() == ["orphan_object", "unlinked_blob"])
        #expect(repaired.unrepaired == 2)
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: stray)) == nil)
        #expect(try await storage.metadata.knownBlobs([DigestHasher.digest(of: unlinked)]).isEmpty)
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: unlinked)) == nil)
        // What only a backup could bring back is still reported, and the rest is gone for good.
        let after = try await checker.check(deep: true, repair: false)
        #expect(after.problems.map(\.kind).sorted() == ["digest_mismatch", "missing_object"])
    }
}
