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

/// Garbage collection against a real server's data: what deleted manifests leave goes, bytes and
/// all; what a stored manifest references stays; a client whose blob went uploads it again.
@Suite struct GarbageCollectionTests {
    static let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)

    /// Pushes an image of `layers` (their blobs first) and returns its manifest and digest.
    static func push(_ layers: [[UInt8]], to repository: String, tag: String, _ client: any TestClientProtocol) async throws
        -> (manifest: [UInt8], digest: String)
    {
        let configDigest = try await client.pushBlob(config, to: repository)
        var descriptors: [(digest: String, size: Int)] = []
        for layer in layers { descriptors.append((try await client.pushBlob(layer, to: repository), layer.count)) }
        let manifest = imageManifest(config: (configDigest, config.count), layers: descriptors)
        return (manifest, try await client.pushManifest(manifest, to: repository, reference: tag))
    }

    static func registry(of storage: AegisStorage) -> Registry {
        Registry(metadata: storage.metadata, blobs: storage.blobs, logger: Logger(label: "test"))
    }

    @Test func collectionFreesWhatDeletedManifestsLeftAndKeepsWhatIsReferenced() async throws {
        var registry = try TestRegistry()
        registry.configuration.gcIntervalSeconds = 0
        defer { registry.remove() }
        let (shared, onlyA, onlyB) = (randomBytes(3000), randomBytes(5000), randomBytes(7000))
        let manifestA = try await registry.run { client in
            let (manifestA, digestA) = try await Self.push([shared, onlyA], to: "acme/app", tag: "a", client)
            _ = try await Self.push([shared, onlyB], to: "acme/app", tag: "b", client)
            _ = try await Self.push([onlyA], to: "globex/mirror", tag: "a", client)
            try await client.execute(uri: "/v2/acme/app/manifests/\(digestA)", method: .delete) { #expect($0.status == .accepted) }
            return manifestA
        }

        let storage = try await AegisStorage.open(registry.configuration)
        let collector = Self.registry(of: storage)
        // Within the grace nothing goes: the links are as fresh as their uploads.
        #expect(try await collector.collectGarbage(grace: 60) == CollectionReport())
        let hints = try await storage.metadata.efficiency(of: TenantID("acme"), limit: 10)
        let later = Date().addingTimeInterval(120)
        let planned = try await collector.collectGarbage(now: later, grace: 60, dryRun: true)
        let done = try await collector.collectGarbage(now: later, grace: 60)
        var expected = CollectionReport()
        (expected.linksRemoved, expected.blobsRemoved, expected.bytesFreed) = (1, 0, 0)
        // acme/app's link to `onlyA` goes; the blob stays, since globex/mirror still links it.
        #expect(done == expected)
        expected.dryRun = true
        #expect(planned == expected)
        #expect(hints.reclaimableBytes == Int64(onlyA.count))
        #expect(try await storage.metadata.storageUsed(by: TenantID("acme")) == Int64(Self.config.count + shared.count + onlyB.count))
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: onlyA)) == Int64(onlyA.count))

        // Once globex deletes its copy too, the bytes go.
        let mirror = try #require(try await storage.metadata.repository(RepositoryName("globex/mirror")))
        let mirrorDigest = try #require(try await storage.metadata.manifest(repository: mirror.id, tag: Tag("a"))?.digest)
        try await collector.deleteManifest(.digest(mirrorDigest), in: RepositoryName("globex/mirror"))
        let second = try await collector.collectGarbage(now: later, grace: 60)
        // globex/mirror's config and `onlyA` links; only `onlyA`'s bytes are nobody's now.
        #expect(second.linksRemoved == 2 && second.blobsRemoved == 1 && second.bytesFreed == Int64(onlyA.count))
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: onlyA)) == nil)
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: onlyB)) == Int64(onlyB.count))
        #expect(try await storage.metadata.recountStorage().allSatisfy { $0.counted == $0.recounted })
        #expect(try await collector.collectGarbage(now: later, grace: 60) == CollectionReport())
        try storage.metadata.close()

        try await registry.run { client in
            // What a stored manifest references was kept, byte for byte.
            for blob in [Self.config, shared, onlyB] {
                try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(blob))", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.bodyBytes == blob)
                }
            }
            // The collected blob is absent: a client pushing image A again is told, and uploads it.
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(onlyA))", method: .head) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/v2/acme/app/manifests/a", method: .put, headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: manifestA)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")
            }
            try await client.pushBlob(onlyA, to: "acme/app")
            _ = try await client.pushManifest(manifestA, to: "acme/app", reference: "a")
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(onlyA))", method: .get) { #expect($0.bodyBytes == onlyA) }
        }
    }

    @Test func bytesACrashLeftUnnamedAreCollectedToo() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let kept = randomBytes(900)
        _ = try await registry.run { client in try await client.pushBlob(kept, to: "acme/app") }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        // Bytes committed with no row and no claim: what a kill -9 between a blob's row and its
        // bytes leaves (the soak test's restarts left such objects for fsck to find).
        let stray = randomBytes(1500)
        let upload = UploadID()
        try await storage.blobs.createUpload(upload)
        _ = try await storage.blobs.append(
            to: upload, at: 0, body: Chunks([ByteBuffer(bytes: stray)]), limit: 1 << 20, expectedLength: nil, hasher: nil, isLast: true)
        try await storage.blobs.commitUpload(upload, as: DigestHasher.digest(of: stray), verifying: true)
        let collector = Self.registry(of: storage)
        var expected = CollectionReport()
        (expected.blobsRemoved, expected.bytesFreed, expected.dryRun) = (1, Int64(stray.count), true)
        #expect(try await collector.collectGarbage(grace: 60, dryRun: true) == expected)
        expected.dryRun = false
        #expect(try await collector.collectGarbage(grace: 60) == expected)
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: stray)) == nil)
        #expect(try await storage.blobs.size(of: DigestHasher.digest(of: kept)) == Int64(kept.count))
    }

    @Test func aHeadKeepsABlobsLeaseAlive() async throws {
        var registry = try TestRegistry()
        registry.configuration.gcIntervalSeconds = 0
        registry.configuration.gcGraceSeconds = 4
        defer { registry.remove() }
        let layer = randomBytes(1000)
        let digest = try await registry.run { client in try await client.pushBlob(layer, to: "acme/app") }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let app = try #require(try await storage.metadata.repository(RepositoryName("acme/app")))
        let usedAt = try #require(try await storage.metadata.collectableLinks(usedBefore: .distantFuture, after: nil, limit: 1).first?.usedAt)
        try await Task.sleep(for: .milliseconds(1100))
        // A quarter of the 4 s grace has passed: the client's HEAD renews the lease.
        try await registry.run { client in
            try await client.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .head) { #expect($0.status == .ok) }
        }
        let renewed = try #require(try await storage.metadata.collectableLinks(usedBefore: .distantFuture, after: nil, limit: 1).first)
        #expect(renewed.key == LinkKey(repository: app.id, digest: try Digest(parsing: digest)))
        #expect(renewed.usedAt.timeIntervalSince(usedAt) >= 1)
    }

    @Test func theLeaderCollectsOnItsScheduleAndReportsIt() async throws {
        var registry = try TestRegistry()
        // A grace longer than a push takes on a loaded machine: a shorter one collects the blobs
        // between their upload and the manifest (whose PUT is then refused, as it must be).
        registry.configuration.gcIntervalSeconds = 1
        registry.configuration.gcGraceSeconds = 3
        defer { registry.remove() }
        try await registry.run { client in
            let layer = randomBytes(4096)
            let (_, digest) = try await Self.push([layer], to: "acme/app", tag: "v1", client)
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            // Polled with GET: a HEAD would renew the lease each time (what a pushing client wants).
            var collected = false
            for _ in 0..<200 where !collected {
                try await Task.sleep(for: .milliseconds(100))
                collected = try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(layer))", method: .get) { $0.status == .notFound }
            }
            #expect(collected)
            // The run's event commits after its removals: waited for too.
            var reported = false
            for _ in 0..<50 where !reported {
                reported = try await client.execute(uri: "/api/v1/events?limit=100", method: .get) { response in
                    String(buffer: response.body).contains(#""type":"org.aegisguard.gc.finished""#)
                }
                if !reported { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(reported)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("aegis_gc_runs_total"))
                #expect(text.contains("aegis_gc_freed_bytes_total"))
            }
        }
    }
}
