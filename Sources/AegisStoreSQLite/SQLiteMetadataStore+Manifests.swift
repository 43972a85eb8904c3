import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func manifest(repository: Int64, digest: Digest) async throws -> ManifestRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM manifests WHERE repository_id = ? AND digest = ?"),
                arguments: [repository, digest.description]
            ).flatMap(Self.manifest(from:))
        }
    }

    public func manifest(repository: Int64, tag: Tag) async throws -> ManifestRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT m.* FROM tags t JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.digest
                        WHERE t.repository_id = ? AND t.name = ?
                        """),
                arguments: [repository, tag.value]
            ).flatMap(Self.manifest(from:))
        }
    }

    public func tags(repository: Int64, after: String?, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT name FROM tags WHERE repository_id = ? AND name > ? ORDER BY name LIMIT ?"),
                arguments: [repository, after ?? "", limit])
        }
    }

    public func tagExists(repository: Int64, tag: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM tags WHERE repository_id = ? AND name = ?"), arguments: [repository, tag])
                ?? false
        }
    }

    public func referrers(
        repository: Int64, subject: Digest, artifactType: String?, after: String?, limit: Int
    ) async throws -> [ManifestRecord] {
        try await pool.read { db in
            var sql = """
                SELECT repository_id, digest, media_type, size, artifact_type, subject, annotations, x'' AS content
                FROM manifests WHERE repository_id = ? AND subject = ? AND digest > ?
                """
            var arguments: StatementArguments = [repository, subject.description, after ?? ""]
            if let artifactType {
                sql += " AND artifact_type = ?"
                arguments += [artifactType]
            }
            sql += " ORDER BY digest LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).compactMap(Self.manifest(from:))
        }
    }

    static func manifest(from row: Row) -> ManifestRecord? {
        guard let digest = try? Digest(parsing: row["digest"] as String) else { return nil }
        let subject = (row["subject"] as String?).flatMap { try? Digest(parsing: $0) }
        let annotations = (row["annotations"] as String?).flatMap {
            try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
        }
        return ManifestRecord(
            digest: digest, mediaType: row["media_type"], size: row["size"], artifactType: row["artifact_type"],
            subject: subject, annotations: annotations, content: row["content"] ?? Data())
    }
}
