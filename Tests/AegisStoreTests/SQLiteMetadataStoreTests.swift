import AegisCore
import AegisStore
import Foundation
import GRDB
import Testing

@testable import AegisStoreSQLite

/// What only the SQLite driver has (the shared behaviour is in MetadataConformance).
@Suite struct SQLiteMetadataStoreTests {
    @Test func reopeningKeepsDataAndMigrationsAreIdempotent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/meta.sqlite"
        let store = try SQLiteMetadataStore(path: path)
        _ = try await store.transaction { try $0.insertTenant(acme) }
        try await store.transaction { try $0.append(OutboxEvent(tenant: acme, type: .tenantCreated, subject: "tenant:acme", time: Date())) }
        try store.close()
        let reopened = try SQLiteMetadataStore(path: path)
        #expect(try await reopened.tenant(acme) != nil)
        #expect(try await reopened.events(after: nil, limit: 10).map(\.type) == [.tenantCreated])
        try reopened.close()
    }

    @Test func migrationSeventeenReadsTheReferencesOfStoredManifests() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/meta.sqlite"
        let (config, layer, loose) = (digest("config"), digest("layer"), digest("loose"))
        do {
            // A database as v16 left it: links, and a manifest that references two of them.
            let queue = try DatabaseQueue(path: path)
            try SQLiteMetadataStore.migrator.migrate(queue, upTo: "v16-immutable-tags")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO tenants(name, created_at) VALUES ('acme', 0)")
                try db.execute(sql: "INSERT INTO repositories(id, name, tenant, created_at) VALUES (1, 'acme/app', 'acme', 0)")
                for blob in [config, layer, loose] {
                    try db.execute(sql: "INSERT INTO blobs(digest, size, created_at) VALUES (?, 1, 0)", arguments: [blob.description])
                    try db.execute(
                        sql: "INSERT INTO blob_links(repository_id, digest, created_at) VALUES (1, ?, 5)", arguments: [blob.description])
                }
                let body = #"{"schemaVersion":2,"config":{"digest":"\#(config)"},"layers":[{"digest":"\#(layer)"},{"size":3}]}"#
                try db.execute(
                    sql: "INSERT INTO manifests(repository_id, digest, media_type, size, content, created_at) VALUES (1, 'sha256:m', 't', 1, ?, 0)",
                    arguments: [Data(body.utf8)])
                try db.execute(
                    sql: "INSERT INTO manifests(repository_id, digest, media_type, size, content, created_at) VALUES (1, 'sha256:x', 't', 1, ?, 0)",
                    arguments: [Data("not json".utf8)])
            }
        }
        let store = try SQLiteMetadataStore(path: path)
        defer { try? store.close() }
        let links = try await store.collectableLinks(usedBefore: Date(), after: nil, limit: 10)
        #expect(links.map(\.key.digest) == [loose])
        #expect(links.first?.usedAt == Date(timeIntervalSince1970: 5))
    }

    @Test func aStorageCountThatDriftedIsResetToTheRecount() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.path + "/meta.sqlite"
        let store = try SQLiteMetadataStore(path: path)
        defer { try? store.close() }
        _ = try await store.transaction { try $0.insertTenant(acme) }
        let app = try await store.transaction { try $0.insertRepository(RepositoryName("acme/app")) }
        try await store.transaction { _ = try $0.linkBlob(repository: app.id, digest: digest("x"), size: 40) }
        // What a bug or a hand edit would leave: the count off from the links.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "UPDATE tenant_storage SET bytes = 7 WHERE tenant = 'acme'") }
        try queue.close()
        let changed = try await store.transaction { try $0.resetStorageCounts() }
        #expect(changed.map(\.tenant) == ["acme"] && changed.first?.counted == 7 && changed.first?.recounted == 40)
        #expect(try await store.storageUsed(by: acme) == 40)
        #expect(try await store.recountStorage().allSatisfy { $0.counted == $0.recounted })
    }
}
