import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func putManifest(
        repository: Int64, _ manifest: ManifestRecord, references: ManifestReferences, tags: [Tag]
    ) async throws {
        let now = Self.now()
        let annotations = try manifest.annotations.map { try JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try await pool.write { db in
            for blob in Set(references.blobs) {
                let size = try Int64.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest
                            WHERE l.repository_id = ? AND l.digest = ?
                            """),
                    arguments: [repository, blob.digest.description])
                guard let size else {
                    throw RegistryError(
                        .manifestBlobUnknown, "blob \(blob.digest) is unknown to this repository", detail: ["digest": blob.digest.description])
                }
                try Self.check(blob, size: size, mediaType: nil)
            }
            for child in Set(references.manifests) where child.digest != manifest.digest {
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT size, media_type FROM manifests WHERE repository_id = ? AND digest = ?"),
                    arguments: [repository, child.digest.description])
                guard let row else {
                    throw RegistryError(
                        .manifestBlobUnknown, "manifest \(child.digest) is unknown to this repository",
                        detail: ["digest": child.digest.description])
                }
                try Self.check(child, size: row["size"], mediaType: row["media_type"])
            }
            try db.execute(
                sql: """
                    INSERT INTO manifests(repository_id, digest, media_type, size, artifact_type, subject, annotations, content, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(repository_id, digest) DO UPDATE SET media_type = excluded.media_type
                    """,
                arguments: [
                    repository, manifest.digest.description, manifest.mediaType, manifest.size, manifest.artifactType,
                    manifest.subject?.description, annotations, manifest.content, now,
                ])
            for tag in tags {
                try db.execute(
                    sql: """
                        INSERT INTO tags(repository_id, name, digest, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(repository_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
                        """,
                    arguments: [repository, tag.value, manifest.digest.description, now])
            }
        }
    }

    /// A descriptor whose size or media type disagrees with what is stored would make clients
    /// read the wrong number of bytes or parse a manifest as the wrong kind: refused.
    private static func check(_ target: ManifestReferences.Target, size: Int64, mediaType: String?) throws {
        guard target.size == size else {
            throw RegistryError(
                .manifestInvalid, "the descriptor of \(target.digest) says \(target.size) bytes but the content has \(size)",
                detail: ["digest": target.digest.description, "reason": "size_mismatch"])
        }
        if let mediaType, target.mediaType != mediaType {
            throw RegistryError(
                .manifestInvalid, "the descriptor of \(target.digest) says '\(target.mediaType)' but the manifest is '\(mediaType)'",
                detail: ["digest": target.digest.description, "reason": "media_type_mismatch"])
        }
    }

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

    public func deleteManifest(repository: Int64, digest: Digest) async throws -> Bool {
        try await pool.write { db in
            // Tags go with the manifest (foreign key ON DELETE CASCADE).
            try db.execute(
                sql: "DELETE FROM manifests WHERE repository_id = ? AND digest = ?", arguments: [repository, digest.description])
            return db.changesCount > 0
        }
    }

    public func deleteTag(repository: Int64, tag: Tag) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM tags WHERE repository_id = ? AND name = ?", arguments: [repository, tag.value])
            return db.changesCount > 0
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

    private static func manifest(from row: Row) -> ManifestRecord? {
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
