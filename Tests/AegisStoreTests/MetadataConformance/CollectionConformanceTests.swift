import AegisCore
import AegisStore
import Foundation
import Testing

/// What garbage collection reads and removes: links by lease and reference, blobs by link and claim.
@Suite struct CollectionConformanceTests {
    func manifest(_ text: String) -> ManifestRecord {
        ManifestRecord(
            digest: digest(text), mediaType: "application/vnd.oci.image.manifest.v1+json", size: Int64(text.utf8.count), artifactType: nil,
            subject: nil, annotations: nil, content: Data(text.utf8))
    }

    @Test(arguments: MetadataDriver.all)
    func onlyUnreferencedLinksPastTheirLeaseAreCollected(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            let other = try await store.repository(named: "acme/other")
            let (kept, loose, shared) = (digest("kept"), digest("loose"), digest("shared"))
            try await store.transaction { tx in
                for (blob, size) in [(kept, 10), (loose, 20), (shared, 30)] {
                    _ = try tx.linkBlob(repository: app.id, digest: blob, size: Int64(size))
                }
                _ = try tx.linkBlob(repository: other.id, digest: shared, size: 30)
                try tx.insertManifest(repository: app.id, manifest("image"), blobs: [kept])
            }
            let future = Date().addingTimeInterval(60)
            // Fresh leases keep every link; past them, only the unreferenced links are offered.
            #expect(try await store.collectableLinks(usedBefore: Date().addingTimeInterval(-60), after: nil, limit: 10).isEmpty)
            let offered = try await store.collectableLinks(usedBefore: future, after: nil, limit: 10)
            #expect(
                offered.map(\.key)
                    == [
                        LinkKey(repository: app.id, digest: loose), LinkKey(repository: app.id, digest: shared),
                        LinkKey(repository: other.id, digest: shared),
                    ].sorted())
            #expect(offered.first?.repository.tenant == acme && offered.first?.size == (offered.first?.key.digest == loose ? 20 : 30))
            let page = try await store.collectableLinks(usedBefore: future, after: offered[0].key, limit: 1)
            #expect(page.map(\.key) == [offered[1].key])

            // The removal re-checks: a referenced link or a fresh lease stays.
            #expect(try await store.transaction { try $0.collectLink(LinkKey(repository: app.id, digest: kept), usedBefore: future) } == false)
            #expect(
                try await store.transaction {
                    try $0.collectLink(LinkKey(repository: app.id, digest: loose), usedBefore: Date().addingTimeInterval(-60))
                }
                    == false)
            #expect(try await store.storageUsed(by: acme) == 60)
            #expect(try await store.transaction { try $0.collectLink(LinkKey(repository: app.id, digest: loose), usedBefore: future) })
            #expect(try await store.transaction { try $0.collectLink(LinkKey(repository: app.id, digest: shared), usedBefore: future) })
            // `shared` is still linked in acme/other: the tenant still stores it.
            #expect(try await store.storageUsed(by: acme) == 40)
            #expect(try await store.linkedBlobSize(repository: app.id, digest: loose) == nil)
            #expect(try await store.recountStorage().allSatisfy { $0.counted == $0.recounted })
            #expect(try await store.linkCounts([kept, loose, shared]) == [kept: 1, shared: 1])

            // Deleting the manifest drops its references with it.
            _ = try await store.transaction { try $0.deleteManifest(repository: app.id, digest: digest("image")) }
            #expect(try await store.collectableLinks(usedBefore: future, after: nil, limit: 10).map(\.key.digest) == [kept, shared])
        }
    }

    @Test(arguments: MetadataDriver.all)
    func blobsAreCollectedOnlyWhenNoLinkAndNoUploadNeedsThem(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            let (linked, free, claimed) = (digest("linked"), digest("free"), digest("claimed"))
            try await store.transaction { tx in
                for blob in [linked, free, claimed] { _ = try tx.linkBlob(repository: app.id, digest: blob, size: 5) }
            }
            let future = Date().addingTimeInterval(60)
            try await store.transaction { tx in
                _ = try tx.collectLink(LinkKey(repository: app.id, digest: free), usedBefore: future)
                _ = try tx.collectLink(LinkKey(repository: app.id, digest: claimed), usedBefore: future)
            }
            // An upload finishing into `claimed` keeps it.
            let session = UploadRecord(id: UploadID(), repositoryID: app.id, algorithm: .sha256, createdAt: Date(), updatedAt: Date())
            try await store.createUpload(session)
            try await store.markUploadFinalizing(session.id, as: BlobInfo(digest: claimed, size: 5))
            #expect(try await store.collectableBlobs(after: nil, limit: 10) == [BlobInfo(digest: free, size: 5)])
            #expect(try await store.transaction { try $0.collectBlob(linked) } == false)
            #expect(try await store.transaction { try $0.collectBlob(claimed) } == false)
            #expect(try await store.transaction { try $0.collectBlob(free) })
            #expect(try await store.knownBlobs([free, linked, claimed]) == [linked, claimed])
            try await store.deleteUpload(session.id)
            #expect(try await store.collectableBlobs(after: nil, limit: 10).map(\.digest) == [claimed])
            #expect(try await store.collectableBlobs(after: claimed, limit: 10).isEmpty)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aHeadRenewsOnlyAStaleLease(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            let blob = digest("layer")
            try await store.transaction { tx in _ = try tx.linkBlob(repository: app.id, digest: blob, size: 9) }
            let later = Date().addingTimeInterval(30)
            // Fresh (used after `staleBefore`): nothing written, still collectable at `later + 1`.
            #expect(
                try await store.linkedBlobSize(repository: app.id, digest: blob, refreshingLeaseBefore: Date().addingTimeInterval(-60), now: later)
                    == 9)
            #expect(try await store.collectableLinks(usedBefore: later.addingTimeInterval(-1), after: nil, limit: 1).count == 1)
            // Stale: renewed to `later`, so a collection with an earlier cutoff leaves it.
            #expect(try await store.linkedBlobSize(repository: app.id, digest: blob, refreshingLeaseBefore: later, now: later) == 9)
            #expect(try await store.collectableLinks(usedBefore: later.addingTimeInterval(-1), after: nil, limit: 1).isEmpty)
            #expect(try await store.transaction { try $0.collectLink(LinkKey(repository: app.id, digest: blob), usedBefore: later) } == false)
            #expect(try await store.linkedBlobSize(repository: app.id, digest: digest("absent"), refreshingLeaseBefore: later, now: later) == nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func fsckReadsEveryManifestAndBlobInOrderAndResetsCounts(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            let other = try await store.repository(named: "globex/other")
            try await store.transaction { tx in
                for text in ["b", "a"] { _ = try tx.linkBlob(repository: app.id, digest: digest(text), size: 3) }
                try tx.insertManifest(repository: app.id, manifest("one"), blobs: [])
                try tx.insertManifest(repository: app.id, manifest("two"), blobs: [])
                try tx.insertManifest(repository: other.id, manifest("three"), blobs: [])
            }
            let all = try await store.storedManifests(after: nil, limit: 10)
            let expected = [(app, "one"), (app, "two"), (other, "three")].map { LinkKey(repository: $0.0.id, digest: digest($0.1)) }.sorted()
            #expect(all.map(\.key) == expected)
            #expect(all.first { $0.key.repository == other.id }?.repository.value == "globex/other")
            #expect(all.first { $0.record.digest == digest("one") }?.record.content == Data("one".utf8))
            #expect(try await store.storedManifests(after: expected[0], limit: 1).map(\.key) == [expected[1]])
            let blobs = try await store.blobRecords(after: nil, limit: 10)
            #expect(blobs.map(\.digest) == [digest("a"), digest("b")].sorted { $0.description < $1.description })
            #expect(try await store.blobRecords(after: blobs[0].digest, limit: 10).map(\.digest) == [blobs[1].digest])
            // Counts that already agree are left as they are.
            #expect(try await store.transaction { try $0.resetStorageCounts() }.isEmpty)
            #expect(try await store.storageUsed(by: acme) == 6)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aHoldKeepsBlobsUntilItEndsOrIsReleased(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            let blob = digest("held")
            try await store.transaction { tx in
                _ = try tx.linkBlob(repository: app.id, digest: blob, size: 4)
                _ = try tx.unlinkBlob(repository: app.id, digest: blob)
            }
            try await store.holdCollection("backup", until: Date().addingTimeInterval(60))
            #expect(try await store.transaction { try $0.collectBlob(blob) } == false)
            // An expired hold holds nothing; renewing replaces it.
            try await store.holdCollection("backup", until: Date().addingTimeInterval(-1))
            try await store.holdCollection("other", until: Date().addingTimeInterval(60))
            try await store.releaseCollectionHold("other")
            try await store.releaseCollectionHold("never-taken")
            #expect(try await store.transaction { try $0.collectBlob(blob) })
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aSnapshotNamesTheLinkedBlobsOnly(driver: MetadataDriver) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            try await store.transaction { tx in
                for text in ["kept", "dropped"] { _ = try tx.linkBlob(repository: app.id, digest: digest(text), size: 5) }
                _ = try tx.unlinkBlob(repository: app.id, digest: digest("dropped"))
            }
            let path = directory.appendingPathComponent("meta.sqlite").path
            guard !store.isShared else {
                await #expect { _ = try await store.snapshot(into: path) } throws: { ($0 as? StoreError)?.code == .unsupported }
                return
            }
            #expect(try await store.snapshot(into: path) == [BlobInfo(digest: digest("kept"), size: 5)])
            await #expect { _ = try await store.snapshot(into: path) } throws: { ($0 as? StoreError)?.code == .conflict }
        }
    }

    @Test(arguments: MetadataDriver.all)
    func retentionReadsTagsManifestsAndPullTimes(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let app = try await store.repository(named: "acme/app")
            #expect(try await store.transaction { try $0.retentionPolicy(of: acme) } == nil)
            let policy = RetentionPolicy(rules: [.init(repositories: ["*"], keepTags: [.init(patterns: ["v*"], mostRecentlyPushedCount: 3)])])
            try await store.transaction { try $0.setRetentionPolicy(policy, of: acme) }
            #expect(try await store.transaction { try $0.retentionPolicy(of: acme) } == policy)
            try await store.transaction { try $0.setRetentionPolicy(nil, of: acme) }
            #expect(try await store.transaction { try $0.retentionPolicy(of: acme) } == nil)
            await #expect { try await store.transaction { try $0.setRetentionPolicy(policy, of: TenantID("nobody")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
            try await store.transaction { tx in
                try tx.insertManifest(repository: app.id, manifest("one"), blobs: [])
                try tx.setTag(repository: app.id, tag: Tag("v1"), digest: digest("one"))
            }
            let tags = try await store.tagStates(repository: app.id)
            #expect(tags.map(\.name) == ["v1"] && tags.first?.digest == digest("one"))
            #expect(try await store.manifestStates(repository: app.id).map(\.pulledAt) == [nil])
            let when = Date(timeIntervalSince1970: 1_800_000_000)
            let key = LinkKey(repository: app.id, digest: digest("one"))
            try await store.recordPulls([key: when])
            try await store.recordPulls([key: when.addingTimeInterval(-60)])  // an older time never wins
            let states = try await store.manifestStates(repository: app.id)
            #expect(states.map(\.pulledAt) == [when])
            #expect(states.first?.content == Data("one".utf8))
        }
    }
}
