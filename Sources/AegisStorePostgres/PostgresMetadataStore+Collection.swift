import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    public func collectableLinks(usedBefore cutoff: Date, after cursor: LinkKey?, limit: Int) async throws -> [CollectableLink] {
        try await rows(
            """
            SELECT l.repository_id, l.digest, r.name, b.size, l.used_at
            FROM blob_links l JOIN repositories r ON r.id = l.repository_id JOIN blobs b ON b.digest = l.digest
            WHERE (l.repository_id, l.digest) > (\(cursor?.repository ?? Int64.min), \(cursor?.digest.description ?? ""))
            AND l.used_at < \(cutoff.timeIntervalSince1970)
            AND NOT EXISTS (SELECT 1 FROM manifest_blobs m WHERE m.repository_id = l.repository_id AND m.digest = l.digest)
            ORDER BY l.repository_id, l.digest LIMIT \(limit)
            """
        ).compactMap { row in
            let (repository, digest, name, size, usedAt) = try row.decode((Int64, String, String, Int64, Double).self)
            guard let digest = try? Digest(parsing: digest), let name = try? RepositoryName(name) else { return nil }
            return CollectableLink(
                key: LinkKey(repository: repository, digest: digest), repository: name, size: size, usedAt: Date(timeIntervalSince1970: usedAt))
        }
    }

    public func collectableBlobs(after cursor: Digest?, limit: Int) async throws -> [BlobInfo] {
        try await rows(
            """
            SELECT b.digest, b.size FROM blobs b
            WHERE b.digest > \(cursor?.description ?? "")
            AND NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = b.digest)
            AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.final_digest = b.digest)
            ORDER BY b.digest LIMIT \(limit)
            """
        ).compactMap { row in
            let (digest, size) = try row.decode((String, Int64).self)
            return (try? Digest(parsing: digest)).map { BlobInfo(digest: $0, size: size) }
        }
    }

    public func storedManifests(after cursor: LinkKey?, limit: Int) async throws -> [StoredManifest] {
        try await rows(
            """
            SELECT m.repository_id, r.name, m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, m.content
            FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE (m.repository_id, m.digest) > (\(cursor?.repository ?? Int64.min), \(cursor?.digest.description ?? ""))
            ORDER BY m.repository_id, m.digest LIMIT \(limit)
            """
        ).compactMap { row in
            let (repository, name, digest, mediaType, size, artifactType, subject, annotations, content) = try row.decode(
                (Int64, String, String, String, Int64, String?, String?, String?, Data).self)
            guard let digest = try? Digest(parsing: digest), let name = try? RepositoryName(name) else { return nil }
            let record = ManifestRecord(
                digest: digest, mediaType: mediaType, size: size, artifactType: artifactType,
                subject: subject.flatMap { try? Digest(parsing: $0) },
                annotations: annotations.flatMap { try? JSONDecoder.annotations.decode([String: String].self, from: Data($0.utf8)) },
                content: content)
            return StoredManifest(key: LinkKey(repository: repository, digest: digest), repository: name, record: record)
        }
    }

    public func blobRecords(after cursor: Digest?, limit: Int) async throws -> [BlobInfo] {
        try await rows("SELECT digest, size FROM blobs WHERE digest > \(cursor?.description ?? "") ORDER BY digest LIMIT \(limit)").compactMap {
            row in
            let (digest, size) = try row.decode((String, Int64).self)
            return (try? Digest(parsing: digest)).map { BlobInfo(digest: $0, size: size) }
        }
    }

    public func holdCollection(_ name: String, until: Date) async throws {
        try await execute(
            """
            INSERT INTO collection_holds(name, until) VALUES (\(name), \(until.timeIntervalSince1970))
            ON CONFLICT(name) DO UPDATE SET until = excluded.until
            """)
    }

    public func releaseCollectionHold(_ name: String) async throws {
        try await execute("DELETE FROM collection_holds WHERE name = \(name)")
    }

    public func snapshot(into path: String) async throws -> [BlobInfo] {
        throw StoreError(
            .unsupported,
            "PostgreSQL metadata is backed up with its own tools: see docs/OPERATIONS.md (pg_dump while a collection hold is in force)")
    }

    public func linkCounts(_ digests: [Digest]) async throws -> [Digest: Int] {
        guard !digests.isEmpty else { return [:] }
        var counts: [Digest: Int] = [:]
        for row in try await rows("SELECT digest, count(*) FROM blob_links WHERE digest = ANY(\(digests.map(\.description))) GROUP BY digest") {
            let (digest, count) = try row.decode((String, Int64).self)
            if let digest = try? Digest(parsing: digest) { counts[digest] = Int(count) }
        }
        return counts
    }

    public func linkedBlobSize(repository: Int64, digest: Digest, refreshingLeaseBefore staleBefore: Date, now: Date) async throws -> Int64? {
        guard
            let (size, usedAt) = try await rows(
                """
                SELECT b.size, l.used_at FROM blob_links l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository_id = \(repository) AND l.digest = \(digest.description)
                """
            ).first?.decode((Int64, Double).self)
        else { return nil }
        guard usedAt < staleBefore.timeIntervalSince1970 else { return size }
        // Renewed only while still linked: a collection that removed the link meanwhile wins, and
        // the client is told the blob is absent (it uploads it again).
        let renewed = try await rows(
            """
            UPDATE blob_links SET used_at = greatest(used_at, \(now.timeIntervalSince1970))
            WHERE repository_id = \(repository) AND digest = \(digest.description) RETURNING 1
            """)
        return renewed.isEmpty ? nil : size
    }

    public func tagStates(repository: Int64) async throws -> [TagState] {
        try await rows("SELECT name, digest, updated_at FROM tags WHERE repository_id = \(repository) ORDER BY name").compactMap { row in
            let (name, digest, updatedAt) = try row.decode((String, String, Double).self)
            return (try? Digest(parsing: digest)).map { TagState(name: name, digest: $0, pushedAt: Date(timeIntervalSince1970: updatedAt)) }
        }
    }

    public func manifestStates(repository: Int64) async throws -> [ManifestState] {
        try await rows(
            "SELECT digest, created_at, pulled_at, subject, content FROM manifests WHERE repository_id = \(repository) ORDER BY digest"
        ).compactMap { row in
            let (digest, createdAt, pulledAt, subject, content) = try row.decode((String, Double, Double?, String?, Data).self)
            guard let digest = try? Digest(parsing: digest) else { return nil }
            return ManifestState(
                digest: digest, createdAt: Date(timeIntervalSince1970: createdAt), pulledAt: pulledAt.map(Date.init(timeIntervalSince1970:)),
                subject: subject.flatMap { try? Digest(parsing: $0) }, content: content)
        }
    }

    public func recordPulls(_ pulls: [LinkKey: Date]) async throws {
        guard !pulls.isEmpty else { return }
        let keys = Array(pulls)
        try await execute(
            """
            UPDATE manifests m SET pulled_at = greatest(coalesce(m.pulled_at, 0), p.at)
            FROM unnest(\(keys.map(\.key.repository)), \(keys.map(\.key.digest.description)), \(keys.map { $0.value.timeIntervalSince1970 }))
                AS p(repository_id, digest, at)
            WHERE m.repository_id = p.repository_id AND m.digest = p.digest
            """)
    }
}
