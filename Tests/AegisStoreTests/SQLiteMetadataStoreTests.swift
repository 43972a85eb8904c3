import AegisCore
import AegisStore
import AegisStoreSQLite
import Foundation
import Testing

@Suite struct SQLiteMetadataStoreTests {
    func withStore(_ body: (SQLiteMetadataStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try SQLiteMetadataStore(path: directory.path + "/meta.sqlite")
        try await body(store)
        try store.close()
    }

    @Test func tenantLifecycle() async throws {
        try await withStore { store in
            let acme = try TenantID("acme")
            _ = try await store.createTenant(acme)
            await #expect { _ = try await store.createTenant(acme) } throws: { ($0 as? StoreError)?.code == .conflict }
            #expect(try await store.tenants().map(\.name) == [acme])
            _ = try await store.createRepositoryIfNeeded(try RepositoryName("acme/app"))
            await #expect { try await store.deleteTenant(acme) } throws: { ($0 as? StoreError)?.code == .conflict }
            await #expect { try await store.deleteTenant(try TenantID("none")) } throws: { ($0 as? StoreError)?.code == .notFound }
        }
    }

    @Test func repositoriesNeedAnExistingTenant() async throws {
        try await withStore { store in
            await #expect {
                _ = try await store.createRepositoryIfNeeded(try RepositoryName("ghost/app"))
            } throws: { ($0 as? RegistryError)?.code == .nameUnknown }
            _ = try await store.createTenant(try TenantID("acme"))
            let first = try await store.createRepositoryIfNeeded(try RepositoryName("acme/app"))
            let again = try await store.createRepositoryIfNeeded(try RepositoryName("acme/app"))
            #expect(first == again)
        }
    }

    @Test func manifestTransactionChecksReferencesAndMovesTags() async throws {
        try await withStore { store in
            _ = try await store.createTenant(try TenantID("acme"))
            let repository = try await store.createRepositoryIfNeeded(try RepositoryName("acme/app")).id
            let blob = DigestHasher.digest(of: Array("layer".utf8))
            let record = ManifestRecord(
                digest: DigestHasher.digest(of: Array("m1".utf8)), mediaType: MediaType.ociManifest, size: 2, artifactType: nil,
                subject: nil, annotations: nil, content: Data("m1".utf8))
            let references = ManifestReferences(blobs: [.init(digest: blob, size: 5, mediaType: "application/octet-stream")], manifests: [])
            await #expect {
                try await store.putManifest(repository: repository, record, references: references, tags: [try Tag("v1")])
            } throws: { ($0 as? RegistryError)?.code == .manifestBlobUnknown }
            // Nothing of the refused manifest is visible.
            #expect(try await store.manifest(repository: repository, tag: try Tag("v1")) == nil)
            try await store.linkBlob(repository: repository, digest: blob, size: 5)
            try await store.putManifest(repository: repository, record, references: references, tags: [try Tag("v1")])
            #expect(try await store.manifest(repository: repository, tag: try Tag("v1"))?.content == Data("m1".utf8))
            #expect(try await store.tags(repository: repository, after: nil, limit: 10) == ["v1"])
            #expect(try await store.deleteManifest(repository: repository, digest: record.digest))
            #expect(try await store.tags(repository: repository, after: nil, limit: 10) == [])
        }
    }

    @Test func reopeningKeepsDataAndMigrationsAreIdempotent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/meta.sqlite"
        let store = try SQLiteMetadataStore(path: path)
        _ = try await store.createTenant(try TenantID("acme"))
        try store.close()
        let reopened = try SQLiteMetadataStore(path: path)
        #expect(try await reopened.tenant(try TenantID("acme")) != nil)
        try reopened.close()
    }
}

@Suite struct AuditStoreTests {
    @Test func auditRecordsAreQueryableNewestFirstAndPruned() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try SQLiteMetadataStore(path: directory.path + "/meta.sqlite")
        let old = Date().addingTimeInterval(-100 * 86400)
        try await store.appendAudit([
            AuditRecord(
                time: old, requestID: "r1", principal: "user:a", tenant: "acme", action: "pull", resource: "repository:acme/x", allowed: true,
                reason: "ok"),
            AuditRecord(
                time: Date(), requestID: "r2", principal: "user:b", tenant: "globex", action: "push", resource: "repository:globex/y", allowed: false,
                reason: "no"),
            AuditRecord(
                time: Date(), requestID: "r3", principal: "user:a", tenant: "acme", action: "delete", resource: "repository:acme/x", allowed: false,
                reason: "no"),
        ])
        #expect(try await store.audit(tenant: "acme", before: nil, limit: 10).map(\.requestID) == ["r3", "r1"])
        #expect(try await store.audit(tenant: nil, before: nil, limit: 2).map(\.requestID) == ["r3", "r2"])
        #expect(try await store.pruneAudit(olderThan: Date().addingTimeInterval(-90 * 86400)) == 1)
        #expect(try await store.audit(tenant: "acme", before: nil, limit: 10).map(\.requestID) == ["r3"])
        try store.close()
    }
}

@Suite struct StorageCountTests {
    @Test func uniqueBytesPerTenantAreCountedExactlyAndQuotasHold() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let store = try SQLiteMetadataStore(path: directory.path + "/meta.sqlite")
        for tenant in ["acme", "globex"] { _ = try await store.createTenant(TenantID(tenant)) }
        let one = try await store.createRepositoryIfNeeded(RepositoryName("acme/one")).id
        let two = try await store.createRepositoryIfNeeded(RepositoryName("acme/two")).id
        let other = try await store.createRepositoryIfNeeded(RepositoryName("globex/x")).id
        let big = DigestHasher.digest(of: Array("big".utf8))
        let small = DigestHasher.digest(of: Array("small".utf8))
        try await store.linkBlob(repository: one, digest: big, size: 1000)
        try await store.linkBlob(repository: two, digest: big, size: 1000)  // same tenant: counted once
        try await store.linkBlob(repository: one, digest: big, size: 1000)  // already linked: nothing
        try await store.linkBlob(repository: other, digest: big, size: 1000)  // another tenant: its own count
        try await store.linkBlob(repository: two, digest: small, size: 10)
        #expect(try await store.storageUsed(by: TenantID("acme")) == 1010)
        #expect(try await store.storageUsed(by: TenantID("globex")) == 1000)
        #expect(try await store.unlinkBlob(repository: one, digest: big))
        #expect(try await store.storageUsed(by: TenantID("acme")) == 1010)  // still linked in acme/two
        #expect(try await store.unlinkBlob(repository: two, digest: big))
        #expect(try await store.storageUsed(by: TenantID("acme")) == 10)
        try await store.setStorageQuota(500, of: TenantID("acme"))
        await #expect {
            try await store.linkBlob(repository: one, digest: big, size: 1000)
        } throws: { ($0 as? RegistryError)?.detail?["reason"] == "storage_quota_exceeded" }
        #expect(try await store.linkedBlobSize(repository: one, digest: big) == nil)  // refused: not linked
        #expect(try await store.recountStorage().allSatisfy { $0.counted == $0.recounted })
        try store.close()
    }
}
