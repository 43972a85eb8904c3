import AegisCore
import AegisStore
import Foundation
import GRDB

/// The embedded metadata store: one SQLite file in WAL mode, accessed through GRDB's async API
/// (a writer queue and a pool of concurrent readers), so no request ever blocks an event loop.
public final class SQLiteMetadataStore: MetadataStore {
    let pool: DatabasePool
    public let commits = OutboxSignal()

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // FULL: a 201 means the change survives power loss, not just a process crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// Releases the database files.
    public func close() throws { try pool.close() }

    static func now() -> Double { Date().timeIntervalSince1970 }
}

// MARK: - Tenants

extension SQLiteMetadataStore {
    public func tenants() async throws -> [TenantRecord] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT name, created_at FROM tenants ORDER BY name")).compactMap(Self.tenant(from:))
        }
    }

    public func tenant(_ tenant: TenantID) async throws -> TenantRecord? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT name, created_at FROM tenants WHERE name = ?"), arguments: [tenant.value])
                .flatMap(Self.tenant(from:))
        }
    }

    static func tenant(from row: Row) -> TenantRecord? {
        guard let name = try? TenantID(row["name"] as String) else { return nil }
        return TenantRecord(name: name, createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

// MARK: - Repositories

extension SQLiteMetadataStore {
    public func repository(_ name: RepositoryName) async throws -> RepositoryRecord? {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM repositories WHERE name = ?"), arguments: [name.value])
                .map { RepositoryRecord(id: $0, name: name) }
        }
    }

    public func repositoryNames(after: String?, limit: Int, visible: RepositoryFilter?) async throws -> [String] {
        try await pool.read { db in
            var sql = "SELECT name FROM repositories WHERE name > ?"
            var arguments: StatementArguments = [after ?? ""]
            if let visible {
                var conditions = ["tenant IN (\(databaseQuestionMarks(count: visible.tenants.count)))"]
                arguments += StatementArguments(visible.tenants.map(\.value))
                if !visible.names.isEmpty {
                    conditions.append("name IN (\(databaseQuestionMarks(count: visible.names.count)))")
                    arguments += StatementArguments(visible.names)
                }
                for prefix in visible.prefixes {
                    // substr, not LIKE: names may contain `_`, a LIKE wildcard.
                    conditions.append("substr(name, 1, ?) = ?")
                    arguments += [prefix.utf8.count, prefix]
                }
                sql += " AND (\(conditions.joined(separator: " OR ")))"
            }
            sql += " ORDER BY name LIMIT ?"
            arguments += [limit]
            return try String.fetchAll(db, sql: sql, arguments: arguments)
        }
    }
}

// MARK: - Blobs

extension SQLiteMetadataStore {
    public func linkedBlobSize(repository: Int64, digest: Digest) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest
                        WHERE l.repository_id = ? AND l.digest = ?
                        """),
                arguments: [repository, digest.description])
        }
    }

    public func blobSizeLinked(inTenant tenant: TenantID, digest: Digest) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT b.size FROM blob_links l
                        JOIN repositories r ON r.id = l.repository_id
                        JOIN blobs b ON b.digest = l.digest
                        WHERE l.digest = ? AND r.tenant = ? LIMIT 1
                        """),
                arguments: [digest.description, tenant.value])
        }
    }

    public func isBlobLinkedAnywhere(_ digest: Digest) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM blob_links WHERE digest = ? LIMIT 1"), arguments: [digest.description])
                ?? false
        }
    }
}

// MARK: - Uploads

extension SQLiteMetadataStore {
    public func createUpload(_ upload: UploadRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO uploads(id, repository_id, algorithm, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    upload.id.value, upload.repositoryID, upload.algorithm.rawValue,
                    upload.createdAt.timeIntervalSince1970, upload.updatedAt.timeIntervalSince1970,
                ])
        }
    }

    public func upload(_ id: UploadID) async throws -> UploadRecord? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM uploads WHERE id = ?"), arguments: [id.value]).flatMap(Self.upload(from:))
        }
    }

    public func uploadExists(_ id: UploadID) async throws -> Bool {
        try await upload(id) != nil
    }

    public func touchUpload(_ id: UploadID, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE uploads SET updated_at = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, id.value])
        }
    }

    public func markUploadFinalizing(_ id: UploadID, as blob: BlobInfo) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE uploads SET final_digest = ?, final_size = ? WHERE id = ?",
                arguments: [blob.digest.description, blob.size, id.value])
        }
    }

    public func knownBlobs(_ digests: [Digest]) async throws -> Set<Digest> {
        guard !digests.isEmpty else { return [] }
        let texts = digests.map(\.description)
        let marks = databaseQuestionMarks(count: texts.count)
        return try await pool.read { db in
            let rows = try String.fetchAll(
                db,
                sql: """
                    SELECT digest FROM blobs WHERE digest IN (\(marks))
                    UNION SELECT final_digest FROM uploads WHERE final_digest IN (\(marks))
                    """,
                arguments: StatementArguments(texts + texts))
            return Set(rows.compactMap { try? Digest(parsing: $0) })
        }
    }

    public func deleteUpload(_ id: UploadID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id.value])
        }
    }

    public func uploads(updatedBefore date: Date) async throws -> [UploadRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM uploads WHERE updated_at < ? ORDER BY updated_at"),
                arguments: [date.timeIntervalSince1970]
            ).compactMap(Self.upload(from:))
        }
    }

    static func upload(from row: Row) -> UploadRecord? {
        guard let id = try? UploadID(parsing: row["id"] as String),
            let algorithm = DigestAlgorithm(rawValue: row["algorithm"])
        else { return nil }
        let finalDigest = (row["final_digest"] as String?).flatMap { try? Digest(parsing: $0) }
        return UploadRecord(
            id: id, repositoryID: row["repository_id"], algorithm: algorithm,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            finalizing: finalDigest.map { BlobInfo(digest: $0, size: row["final_size"] ?? 0) })
    }
}
