import AegisCore
import AegisStore
import AegisStoreSQLite
import Foundation
import Testing

/// A metadata driver under test: makes a fresh, empty store and removes it afterwards. The shared
/// conformance suites run every case against each driver in `all` (PostgreSQL joins here).
struct MetadataDriver: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> (store: any MetadataStore, cleanup: @Sendable () -> Void)

    var testDescription: String { name }

    static let sqlite = MetadataDriver(name: "SQLite") {
        let directory = try TemporaryDirectory()
        let store = try SQLiteMetadataStore(path: directory.path + "/meta.sqlite")
        return (
            store,
            {
                try? store.close(); directory.cleanup()
            }
        )
    }

    static let all: [MetadataDriver] = [.sqlite]

    /// Runs `body` with a fresh store holding tenants `acme` and `globex`.
    func with(_ body: (any MetadataStore) async throws -> Void) async throws {
        let (store, cleanup) = try await make()
        defer { cleanup() }
        try await store.transaction { tx in
            for name in ["acme", "globex"] { _ = try tx.insertTenant(try TenantID(name)) }
        }
        try await body(store)
    }
}

let acme = (try? TenantID("acme"))!
let globex = (try? TenantID("globex"))!

func digest(_ text: String) -> Digest { DigestHasher.digest(of: Array(text.utf8)) }

extension MetadataStore {
    /// Creates a repository (tests only: the registry does it with its event).
    func repository(named text: String) async throws -> RepositoryRecord {
        let name = try RepositoryName(text)
        return try await transaction { tx in try tx.repository(name) ?? tx.insertRepository(name) }
    }
}
