import AegisCore
import AegisStore
import Foundation
import PostgresNIO
import Testing

@testable import AegisStorePostgres

/// What only the PostgreSQL driver has (the shared behaviour is in MetadataConformance).
@Suite struct PostgresMetadataStoreTests {
    @Test(arguments: [
        ("postgres://aegis:s%40cret@db.example:6432/registry?schema=aegis&sslmode=require&pool_size=8", true),
        ("postgresql://aegis@127.0.0.1/registry", true),
        ("mysql://aegis@db/registry", false),
        ("postgres://db.example/registry", false),
        ("postgres://aegis@db.example/", false),
        ("postgres://aegis@db.example/registry?schema=drop;table", false),
        ("postgres://aegis@db.example/registry?sslmode=sometimes", false),
        ("postgres://aegis@db.example/registry?pool_size=0", false),
        ("postgres://aegis@db.example/registry?timeout=3", false),
    ])
    func urlsAreParsedOrRefusedWithTheReason(url: String, valid: Bool) throws {
        if valid {
            let location = try PostgresLocation(url: url)
            #expect(!location.description.contains("cret"))
        } else {
            #expect { try PostgresLocation(url: url) } throws: { ($0 as? PostgresStoreError)?.code == .invalidURL }
        }
    }

    @Test func urlPartsAndDefaults() throws {
        let remote = try PostgresLocation(url: "postgres://aegis:s%40cret@db.example:6432/registry?schema=aegis&pool_size=8")
        #expect(remote.host == "db.example" && remote.port == 6432 && remote.password == "s@cret" && remote.database == "registry")
        #expect(remote.schema == "aegis" && remote.poolSize == 8 && remote.tls == .prefer)
        #expect(remote.description == "postgres://aegis:***@db.example:6432/registry?schema=aegis")
        let local = try PostgresLocation(url: "postgres://aegis@127.0.0.1/registry")
        #expect(local.port == 5432 && local.tls == .disable && local.poolSize == 16 && local.schema == nil)
    }

    @Test func migrationsSplitIntoStatementsKeepingFunctionBodiesWhole() {
        let statements = PostgresMetadataStore.statements(
            of: """
                CREATE TABLE a(x int);
                -- a comment; with a semicolon
                CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'no'; END $$;
                ALTER TABLE a ADD COLUMN y int;
                """)
        #expect(statements.count == 3)
        #expect(statements[1].hasPrefix("CREATE FUNCTION") && statements[1].hasSuffix("END $$;"))
    }

    @Test(.enabled(if: MetadataDriver.postgresURL != nil))
    func nodesStartingTogetherMigrateOnceAndShareTheData() async throws {
        let url = try #require(MetadataDriver.postgresURL) + "?schema=t_\(UUID().uuidString.prefix(8).lowercased())&pool_size=2"
        let stores = try await withThrowingTaskGroup(of: PostgresMetadataStore.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresMetadataStore(url: url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for store in stores { try? store.close() } }
        _ = try await stores[0].transaction { try $0.insertTenant(acme) }
        #expect(try await stores[2].tenant(acme) != nil)
        let applied = try await stores[1].value("SELECT count(*) FROM aegis_migrations", as: Int64.self)
        #expect(applied == Int64(PostgresMetadataStore.migrations.count))
        try await stores[0].execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(try PostgresLocation(url: url).schema ?? "") CASCADE"))
    }

    @Test(.enabled(if: MetadataDriver.postgresURL != nil))
    func aDatabaseMigratedByANewerBinaryIsRefused() async throws {
        let schema = "t_\(UUID().uuidString.prefix(8).lowercased())"
        let url = try #require(MetadataDriver.postgresURL) + "?schema=\(schema)&pool_size=1"
        let store = try await PostgresMetadataStore(url: url)
        try await store.execute("INSERT INTO aegis_migrations(id, applied_at) VALUES ('v99-from-the-future', 0)")
        await #expect { try await PostgresMetadataStore(url: url) } throws: { ($0 as? PostgresStoreError)?.code == .schemaTooNew }
        try await store.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        try store.close()
    }

    @Test(.enabled(if: MetadataDriver.postgresURL != nil))
    func aWrongPasswordFailsPromptly() async throws {
        let url = try #require(MetadataDriver.postgresURL).replacingOccurrences(of: "aegis:aegis@", with: "aegis:wrong@")
        let started = ContinuousClock.now
        await #expect(throws: (any Error).self) { try await PostgresMetadataStore(url: url) }
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
