import AegisCore
import AegisStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The scaled-out metadata store: PostgreSQL through postgres-nio's connection pool, shared by every
/// node. Reads are async queries on the pool (no thread hop beyond the connection's event loop);
/// units of work run their synchronous bodies on the store's own threads, each bound to one pooled
/// connection for the transaction (see `transaction`).
public final class PostgresMetadataStore: MetadataStore {
    let client: PostgresClient
    public let commits = OutboxSignal()
    let logger: Logger
    /// Where transaction bodies run: they block on their queries, so never on an event loop or the
    /// cooperative pool. As many threads as connections: a body always has a connection to wait on.
    let threads: NIOThreadPool
    private let runner: Task<Void, Never>
    /// The location it was opened with (password redacted in `description`).
    public let location: PostgresLocation
    /// How to open a connection outside the pool (migrations, leader leases).
    let direct: PostgresConnection.Configuration

    /// Connects, creates the schema when missing and applies the migrations this binary knows.
    /// - Throws: `PostgresStoreError.schemaTooNew` when a newer binary migrated the database further;
    ///   the server's error when it cannot be reached or refuses the credentials.
    public init(location: PostgresLocation, logger: Logger = Logger(label: "aegis.postgres")) async throws {
        let startup = [("application_name", "aegisguard")] + (location.schema.map { [("search_path", $0)] } ?? [])
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: Self.poolTLS(location.tls))
        configuration.options.maximumConnections = location.poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(60)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = startup
        var direct = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: try Self.connectionTLS(location.tls))
        direct.options.connectTimeout = .seconds(5)
        direct.options.additionalStartupParameters = startup
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = location
        self.direct = direct
        self.runner = Task { await client.run() }
        self.threads = NIOThreadPool(numberOfThreads: location.poolSize)
        threads.start()
        do {
            try await migrate(direct)
        } catch {
            try? close()
            throw error
        }
    }

    /// Connects to `url` (`postgres://user:password@host:port/database?schema=…`).
    public convenience init(url: String, logger: Logger = Logger(label: "aegis.postgres")) async throws {
        try await self.init(location: PostgresLocation(url: url), logger: logger)
    }

    /// Closes the pool's connections and stops the transaction threads.
    public func close() throws {
        runner.cancel()
        threads.shutdownGracefully { _ in }
    }

    private static func poolTLS(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    private static func connectionTLS(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}

// MARK: - Queries on the pool

extension PostgresMetadataStore {
    /// Every row of a query.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await available { [client, logger] in
            try await client.withConnection { connection in
                // Given up on (`patience` passed) while waiting for the connection: never sent later.
                try Task.checkCancellation()
                return try await connection.query(query, logger: logger).collect()
            }
        }
    }

    /// Every row of a prepared statement.
    func prepared<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [PostgresRow]
    where Statement.Row == PostgresRow {
        try await available { [client, logger] in
            try await client.withConnection { connection in
                try Task.checkCancellation()
                var rows: [PostgresRow] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }
        }
    }

    /// The first column of the first row, nil when there is no row (or the value is NULL).
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? where T._DecodableType == T {
        guard let row = try await rows(query).first else { return nil }
        return try row.decode(T?.self)
    }

    /// Runs a statement outside any unit of work (one statement is atomic on its own).
    func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }
}
