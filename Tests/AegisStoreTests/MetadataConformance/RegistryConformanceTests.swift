import AegisCore
import AegisStore
import Foundation
import Testing

/// Tenants, repositories, blobs, uploads, manifests and tags: what every metadata driver must do.
@Suite struct RegistryConformanceTests {
    @Test(arguments: MetadataDriver.all)
    func tenantsAreUniqueListedInOrderAndDeletedOnlyWhenEmpty(driver: MetadataDriver) async throws {
        try await driver.with { store in
            await #expect { try await store.transaction { tx in _ = try tx.insertTenant(acme) } } throws: {
                ($0 as? StoreError)?.code == .conflict
            }
            _ = try await store.transaction { tx in try tx.insertTenant(TenantID("initech")) }
            #expect(try await store.tenants().map(\.name.value) == ["acme", "globex", "initech"])
            _ = try await store.repository(named: "acme/app")
            await #expect { try await store.transaction { try $0.deleteTenant(acme) } } throws: { ($0 as? StoreError)?.code == .conflict }
            await #expect { try await store.transaction { try $0.deleteTenant(TenantID("nobody")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
            try await store.transaction { try $0.deleteTenant(TenantID("initech")) }
            #expect(try await store.tenant(TenantID("initech")) == nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func immutabilityRulesAreKeptPerTenantInOrder(driver: MetadataDriver) async throws {
        try await driver.with { store in
            #expect(try await store.transaction { try $0.immutableTagPatterns(of: acme) }.isEmpty)
            let rules = try ["v*", "release-?", "latest"].map(TagPattern.init)
            try await store.transaction { try $0.setImmutableTagPatterns(rules, of: acme) }
            #expect(try await store.transaction { try $0.immutableTagPatterns(of: acme) } == rules)
            #expect(try await store.transaction { try $0.immutableTagPatterns(of: globex) }.isEmpty)
            try await store.transaction { try $0.setImmutableTagPatterns([], of: acme) }
            #expect(try await store.transaction { try $0.immutableTagPatterns(of: acme) }.isEmpty)
            await #expect { try await store.transaction { try $0.setImmutableTagPatterns(rules, of: TenantID("nobody")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
        }
    }

    @Test(arguments: MetadataDriver.all)
    func repositoriesNeedTheirTenantAndAreListedWithFilters(driver: MetadataDriver) async throws {
        try await driver.with { store in
            await #expect { _ = try await store.repository(named: "ghost/app") } throws: { ($0 as? StoreError)?.code == .notFound }
            let first = try await store.repository(named: "acme/app")
            #expect(try await store.repository(RepositoryName("acme/app")) == first)
            await #expect { try await store.transaction { tx in _ = try tx.insertRepository(RepositoryName("acme/app")) } } throws: {
                ($0 as? StoreError)?.code == .conflict
            }
            for name in ["acme/a_b/x", "acme/ab/y", "acme/team/one", "globex/z"] { _ = try await store.repository(named: name) }
            #expect(
                try await store.repositoryNames(after: nil, limit: 10, visible: nil) == [
                    "acme/a_b/x", "acme/ab/y", "acme/app", "acme/team/one", "globex/z",
                ])
            #expect(try await store.repositoryNames(after: "acme/app", limit: 2, visible: nil) == ["acme/team/one", "globex/z"])
            // A prefix is literal: `_` is no wildcard.
            let filter = RepositoryFilter(tenants: [globex], names: ["acme/app"], prefixes: ["acme/a_b/"])
            #expect(try await store.repositoryNames(after: nil, limit: 10, visible: filter) == ["acme/a_b/x", "acme/app", "globex/z"])
            #expect(try await store.repositoryNames(after: nil, limit: 10, visible: RepositoryFilter(tenants: [])) == [])
        }
    }

    @Test(arguments: MetadataDriver.all)
    func blobLinksCountUniqueBytesPerTenant(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let one = try await store.repository(named: "acme/one")
            let two = try await store.repository(named: "acme/two")
            let other = try await store.repository(named: "globex/x")
            let (big, small) = (digest("big"), digest("small"))
            let linked = try await store.transaction { tx in
                [
                    try tx.linkBlob(repository: one.id, digest: big, size: 1000),
                    try tx.linkBlob(repository: two.id, digest: big, size: 1000),  // same tenant: counted once
                    try tx.linkBlob(repository: one.id, digest: big, size: 1000),  // already linked: nothing
                    try tx.linkBlob(repository: other.id, digest: big, size: 1000),  // another tenant: its own count
                    try tx.linkBlob(repository: two.id, digest: small, size: 10),
                ]
            }
            #expect(linked == [true, true, false, true, true])
            #expect(try await store.storageUsed(by: acme) == 1010)
            #expect(try await store.storageUsed(by: globex) == 1000)
            try await store.compactStorageCounts()
            #expect(try await store.storageUsed(by: acme) == 1010)
            #expect(try await store.storageUsed(by: globex) == 1000)
            #expect(try await store.linkedBlobSize(repository: one.id, digest: big) == 1000)
            #expect(try await store.linkedBlobSize(repository: one.id, digest: small) == nil)
            #expect(try await store.blobSizeLinked(inTenant: acme, digest: small) == 10)
            #expect(try await store.blobSizeLinked(inTenant: globex, digest: small) == nil)
            #expect(try await store.transaction { try $0.tenantLinks(globex, digest: big) })
            #expect(try await store.transaction { try $0.unlinkBlob(repository: one.id, digest: big) })
            #expect(try await store.storageUsed(by: acme) == 1010)  // still linked in acme/two
            #expect(try await store.transaction { try $0.unlinkBlob(repository: two.id, digest: big) })
            #expect(try await store.transaction { try $0.unlinkBlob(repository: two.id, digest: big) } == false)
            #expect(try await store.storageUsed(by: acme) == 10)
            #expect(try await store.isBlobLinkedAnywhere(big))  // globex still has it
            #expect(try await store.storageByTenant().map(\.bytes) == [10, 1000])
            #expect(try await store.recountStorage().allSatisfy { $0.counted == $0.recounted })
            try await store.compactStorageCounts()
            #expect(try await store.storageByTenant().map(\.bytes) == [10, 1000])
            #expect(try await store.recountStorage().allSatisfy { $0.counted == $0.recounted })
            try await store.transaction { try $0.setStorageQuota(500, of: acme) }
            #expect(try await store.storageQuota(of: acme) == 500)
            await #expect { try await store.transaction { try $0.setStorageQuota(1, of: TenantID("nobody")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
        }
    }

    @Test(arguments: MetadataDriver.all)
    func uploadSessionsAndTheDigestsTheyClaim(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let repository = try await store.repository(named: "acme/app")
            let old = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded())
            let session = UploadRecord(id: UploadID(), repositoryID: repository.id, algorithm: .sha512, createdAt: old, updatedAt: old)
            try await store.createUpload(session)
            #expect(try await store.upload(session.id) == session)
            #expect(try await store.uploadExists(session.id))
            #expect(try await store.uploads(updatedBefore: Date()).map(\.id) == [session.id])
            try await store.touchUpload(session.id, at: Date().addingTimeInterval(10))
            #expect(try await store.uploads(updatedBefore: Date()).isEmpty)
            let blob = BlobInfo(digest: digest("content"), size: 7)
            #expect(try await store.knownBlobs([blob.digest]).isEmpty)
            try await store.markUploadFinalizing(session.id, as: blob)
            #expect(try await store.upload(session.id)?.finalizing == blob)
            #expect(try await store.knownBlobs([blob.digest, digest("other")]) == [blob.digest])
            try await store.transaction { tx in
                _ = try tx.linkBlob(repository: repository.id, digest: blob.digest, size: 7)
                try tx.deleteUpload(session.id)
            }
            #expect(try await store.upload(session.id) == nil)
            #expect(try await store.knownBlobs([blob.digest]) == [blob.digest])  // now by its blob row
        }
    }

    @Test(arguments: MetadataDriver.all)
    func manifestsTagsAndReferrers(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let repository = try await store.repository(named: "acme/app")
            func record(_ text: String, subject: Digest? = nil, artifactType: String? = nil) -> ManifestRecord {
                ManifestRecord(
                    digest: digest(text), mediaType: "application/vnd.oci.image.manifest.v1+json", size: Int64(text.utf8.count),
                    artifactType: artifactType, subject: subject, annotations: subject == nil ? nil : ["k": "v"], content: Data(text.utf8))
            }
            let base = record("base")
            try await store.transaction { tx in
                try tx.insertManifest(repository: repository.id, base, blobs: [])
                for tag in ["v2", "v10", "latest"] { try tx.setTag(repository: repository.id, tag: try Tag(tag), digest: base.digest) }
            }
            #expect(try await store.manifest(repository: repository.id, digest: base.digest) == base)
            #expect(try await store.manifest(repository: repository.id, tag: Tag("v2"))?.content == Data("base".utf8))
            #expect(try await store.tags(repository: repository.id, after: nil, limit: 10) == ["latest", "v10", "v2"])
            #expect(try await store.tags(repository: repository.id, after: "latest", limit: 1) == ["v10"])
            #expect(try await store.tagExists(repository: repository.id, tag: "v10"))
            // The same bytes pushed again with another media type only change the type.
            var again = base
            again.mediaType = "application/vnd.docker.distribution.manifest.v2+json"
            let summary = try await store.transaction { [again] tx in
                try tx.insertManifest(repository: repository.id, again, blobs: [])
                return try tx.manifestSummary(repository: repository.id, digest: base.digest)
            }
            #expect(summary?.mediaType == again.mediaType)
            #expect(summary?.size == 4)

            let referrers = ["sig-a", "sig-b", "sbom"].map { record($0, subject: base.digest, artifactType: $0 == "sbom" ? "spdx" : "sig") }
            try await store.transaction { tx in for referrer in referrers { try tx.insertManifest(repository: repository.id, referrer, blobs: []) } }
            let all = try await store.referrers(repository: repository.id, subject: base.digest, artifactType: nil, after: nil, limit: 10)
            #expect(all.map(\.digest) == referrers.map(\.digest).sorted())
            #expect(all.allSatisfy { $0.content.isEmpty && $0.annotations == ["k": "v"] })
            let signatures = try await store.referrers(repository: repository.id, subject: base.digest, artifactType: "sig", after: nil, limit: 1)
            #expect(signatures.count == 1)
            let next = try await store.referrers(
                repository: repository.id, subject: base.digest, artifactType: "sig", after: signatures[0].digest.description, limit: 5)
            #expect(next.count == 1 && next[0].digest != signatures[0].digest)

            let (tags, deleted, again404) = try await store.transaction { tx in
                let tags = try tx.tags(repository: repository.id, pointingAt: base.digest)
                let deleted = try tx.deleteManifest(repository: repository.id, digest: base.digest)
                return (tags, deleted, try tx.deleteManifest(repository: repository.id, digest: base.digest))
            }
            #expect(tags.map(\.value) == ["latest", "v10", "v2"])
            #expect(deleted && !again404)
            #expect(try await store.tags(repository: repository.id, after: nil, limit: 10).isEmpty)  // tags went with it
            #expect(try await store.transaction { try $0.deleteTag(repository: repository.id, tag: Tag("v2")) } == false)
        }
    }
}
