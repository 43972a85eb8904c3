import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteTransaction {
    func manifestSummary(repository: Int64, digest: Digest) throws -> (size: Int64, mediaType: String)? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT size, media_type FROM manifests WHERE repository_id = ? AND digest = ?"),
            arguments: [repository, digest.description]
        ).map { (size: $0["size"], mediaType: $0["media_type"]) }
    }

    func insertManifest(repository: Int64, _ manifest: ManifestRecord, blobs: Set<Digest>) throws {
        let annotations = try manifest.annotations.map { String(decoding: try JSONEncoder.outbox.encode($0), as: UTF8.self) }
        try db.execute(
            sql: """
                INSERT INTO manifests(repository_id, digest, media_type, size, artifact_type, subject, annotations, content, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(repository_id, digest) DO UPDATE SET media_type = excluded.media_type
                """,
            arguments: [
                repository, manifest.digest.description, manifest.mediaType, manifest.size, manifest.artifactType,
                manifest.subject?.description, annotations, manifest.content, timestamp,
            ])
        let reference = try db.cachedStatement(
            sql: "INSERT INTO manifest_blobs(repository_id, manifest, digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        for blob in blobs { try reference.execute(arguments: [repository, manifest.digest.description, blob.description]) }
    }

    func tagTarget(repository: Int64, tag: Tag) throws -> Digest? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT digest FROM tags WHERE repository_id = ? AND name = ?"), arguments: [repository, tag.value]
        )
        .flatMap { try? Digest(parsing: $0) }
    }

    func setTag(repository: Int64, tag: Tag, digest: Digest) throws {
        try db.execute(
            sql: """
                INSERT INTO tags(repository_id, name, digest, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(repository_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
                """,
            arguments: [repository, tag.value, digest.description, timestamp])
    }

    func tags(repository: Int64, pointingAt digest: Digest) throws -> [Tag] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT name FROM tags WHERE repository_id = ? AND digest = ? ORDER BY name"),
            arguments: [repository, digest.description]
        ).compactMap { try? Tag($0) }
    }

    func deleteManifest(repository: Int64, digest: Digest) throws -> Bool {
        // Tags go with the manifest (foreign key ON DELETE CASCADE).
        try db.execute(sql: "DELETE FROM manifests WHERE repository_id = ? AND digest = ?", arguments: [repository, digest.description])
        return db.changesCount > 0
    }

    func deleteTag(repository: Int64, tag: Tag) throws -> Bool {
        try db.execute(sql: "DELETE FROM tags WHERE repository_id = ? AND name = ?", arguments: [repository, tag.value])
        return db.changesCount > 0
    }
}
