import AegisCore
import AegisStore
import AegisStoreSQLite
import Foundation
import PostgresNIO
import Testing

@testable import AegisStorePostgres

/// A metadata driver under test: makes a fresh, empty store and removes it afterwards. The shared
/// conformance suites run every case against each driver in `all`.
struct MetadataDriver: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> (store: any MetadataStore, cleanup: @Sendable () async -> Void)

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

    /// A schema of its own in the test server's database (`scripts/postgres.sh` starts it; `scripts/test`
    /// exports its URL), dropped afterwards.
    static let postgres = MetadataDriver(name: "PostgreSQL") {
        guard let url = postgresURL else { throw PostgresStoreError(.invalidURL, "AEGIS_TEST_POSTGRES_URL is not set") }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let store = try await PostgresMetadataStore(url: url + "?schema=\(schema)&pool_size=4")
        return (
            store,
            {
                try? await store.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                try? store.close()
            }
        )
    }

    /// The test PostgreSQL, when one runs.
    static let postgresURL = ProcessInfo.processInfo.environment["AEGIS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// SQLite always; PostgreSQL when `AEGIS_TEST_POSTGRES_URL` names a server (`scripts/test` always starts one).
    static let all: [MetadataDriver] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]

    /// Runs `body` with a fresh store holding tenants `acme` and `globex`.
    func with(_ body: (any MetadataStore) async throws -> Void) async throws {
        let (store, cleanup) = try await make()
        do {
            try await store.transaction { tx in
                for name in ["acme", "globex"] { _ = try tx.insertTenant(try TenantID(name)) }
            }
            try await body(store)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
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
