import AegisCore
import AegisStore
import AegisStoreSQLite
import Foundation
import Testing

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
}
