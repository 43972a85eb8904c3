import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresTransaction {
    func manifestSummary(repository: Int64, digest: Digest) throws -> (size: Int64, mediaType: String)? {
        try rows("SELECT size, media_type FROM manifests WHERE repository_id = \(repository) AND digest = \(digest.description)").first
            .map { row in
                let (size, mediaType) = try row.decode((Int64, String).self)
                return (size: size, mediaType: mediaType)
            }
    }

    func insertManifest(repository: Int64, _ manifest: ManifestRecord, blobs: Set<Digest>) throws {
        let annotations = try manifest.annotations.map { String(decoding: try JSONEncoder.outbox.encode($0), as: UTF8.self) }
        try execute(
            """
            INSERT INTO manifests(repository_id, digest, media_type, size, artifact_type, subject, annotations, content, created_at)
            VALUES (\(repository), \(manifest.digest.description), \(manifest.mediaType), \(manifest.size), \(manifest.artifactType),
                    \(manifest.subject?.description), \(annotations), \(manifest.content), \(timestamp))
            ON CONFLICT(repository_id, digest) DO UPDATE SET media_type = excluded.media_type
            """)
        guard !blobs.isEmpty else { return }
        try execute(
            """
            INSERT INTO manifest_blobs(repository_id, manifest, digest)
            SELECT \(repository), \(manifest.digest.description), unnest(\(blobs.map(\.description)))
            ON CONFLICT DO NOTHING
            """)
    }

    func tagTarget(repository: Int64, tag: Tag) throws -> Digest? {
        try value("SELECT digest FROM tags WHERE repository_id = \(repository) AND name = \(tag.value)", as: String.self)
            .flatMap { try? Digest(parsing: $0) }
    }

    func setTag(repository: Int64, tag: Tag, digest: Digest) throws {
        try execute(
            """
            INSERT INTO tags(repository_id, name, digest, updated_at) VALUES (\(repository), \(tag.value), \(digest.description), \(timestamp))
            ON CONFLICT(repository_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
            """)
    }

    func tags(repository: Int64, pointingAt digest: Digest) throws -> [Tag] {
        try rows("SELECT name FROM tags WHERE repository_id = \(repository) AND digest = \(digest.description) ORDER BY name")
            .compactMap { try? Tag(try $0.decode(String.self)) }
    }

    func deleteManifest(repository: Int64, digest: Digest) throws -> Bool {
        // Tags go with the manifest (foreign key ON DELETE CASCADE).
        try execute("DELETE FROM manifests WHERE repository_id = \(repository) AND digest = \(digest.description)") > 0
    }

    func deleteTag(repository: Int64, tag: Tag) throws -> Bool {
        try execute("DELETE FROM tags WHERE repository_id = \(repository) AND name = \(tag.value)") > 0
    }
}
