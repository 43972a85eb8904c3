import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func collectableLinks(usedBefore cutoff: Date, after cursor: LinkKey?, limit: Int) async throws -> [CollectableLink] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT l.repository_id, l.digest, r.name, b.size, l.used_at
                        FROM blob_links l JOIN repositories r ON r.id = l.repository_id JOIN blobs b ON b.digest = l.digest
                        WHERE (l.repository_id, l.digest) > (?, ?) AND l.used_at < ?
                        AND NOT EXISTS (SELECT 1 FROM manifest_blobs m WHERE m.repository_id = l.repository_id AND m.digest = l.digest)
                        ORDER BY l.repository_id, l.digest LIMIT ?
                        """),
                arguments: [cursor?.repository ?? Int64.min, cursor?.digest.description ?? "", cutoff.timeIntervalSince1970, limit]
            ).compactMap { row in
                guard let digest = try? Digest(parsing: row[1] as String), let name = try? RepositoryName(row[2] as String) else { return nil }
                return CollectableLink(
                    key: LinkKey(repository: row[0], digest: digest), repository: name, size: row[3], usedAt: Date(timeIntervalSince1970: row[4]))
            }
        }
    }

    public func collectableBlobs(after cursor: Digest?, limit: Int) async throws -> [BlobInfo] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT b.digest, b.size FROM blobs b
                        WHERE b.digest > ?
                        AND NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = b.digest)
                        AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.final_digest = b.digest)
                        ORDER BY b.digest LIMIT ?
                        """),
                arguments: [cursor?.description ?? "", limit]
            ).compactMap { row in (try? Digest(parsing: row[0] as String)).map { BlobInfo(digest: $0, size: row[1]) } }
        }
    }

    public func storedManifests(after cursor: LinkKey?, limit: Int) async throws -> [StoredManifest] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT m.*, r.name AS repository_name FROM manifests m JOIN repositories r ON r.id = m.repository_id
                        WHERE (m.repository_id, m.digest) > (?, ?) ORDER BY m.repository_id, m.digest LIMIT ?
                        """),
                arguments: [cursor?.repository ?? Int64.min, cursor?.digest.description ?? "", limit]
            ).compactMap { row in
                guard let record = Self.manifest(from: row), let name = try? RepositoryName(row["repository_name"] as String) else { return nil }
                return StoredManifest(key: LinkKey(repository: row["repository_id"], digest: record.digest), repository: name, record: record)
            }
        }
    }

    public func blobRecords(after cursor: Digest?, limit: Int) async throws -> [BlobInfo] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT digest, size FROM blobs WHERE digest > ? ORDER BY digest LIMIT ?"),
                arguments: [cursor?.description ?? "", limit]
            ).compactMap { row in (try? Digest(parsing: row[0] as String)).map { BlobInfo(digest: $0, size: row[1]) } }
        }
    }

    public func holdCollection(_ name: String, until: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO collection_holds(name, until) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET until = excluded.until",
                arguments: [name, until.timeIntervalSince1970])
        }
    }

    public func releaseCollectionHold(_ name: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM collection_holds WHERE name = ?", arguments: [name]) }
    }

    public func snapshot(into path: String) async throws -> [BlobInfo] {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError(.conflict, "'\(path)' exists already") }
        // VACUUM INTO copies one read snapshot, and writers go on meanwhile.
        try await pool.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        let copy = try DatabaseQueue(path: path)
        defer { try? copy.close() }
        return try await copy.write { db in
            try db.execute(
                sql: """
                    DELETE FROM uploads;
                    DELETE FROM object_uploads;
                    DELETE FROM blob_objects;
                    DELETE FROM collection_holds;
                    DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = blobs.digest);
                    """)
            return try Row.fetchAll(db, sql: "SELECT digest, size FROM blobs ORDER BY digest").compactMap { row in
                (try? Digest(parsing: row[0] as String)).map { BlobInfo(digest: $0, size: row[1]) }
            }
        }
    }

    public func linkCounts(_ digests: [Digest]) async throws -> [Digest: Int] {
        guard !digests.isEmpty else { return [:] }
        var counts: [Digest: Int] = [:]
        // In chunks: SQLite binds at most 32,766 parameters.
        for start in stride(from: 0, to: digests.count, by: 1000) {
            let chunk = digests[start..<min(start + 1000, digests.count)].map(\.description)
            let rows = try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT digest, count(*) FROM blob_links WHERE digest IN (\(databaseQuestionMarks(count: chunk.count))) GROUP BY digest",
                    arguments: StatementArguments(chunk)
                ).map { ($0[0] as String, $0[1] as Int) }
            }
            for (digest, count) in rows { if let digest = try? Digest(parsing: digest) { counts[digest] = count } }
        }
        return counts
    }

    public func linkedBlobSize(repository: Int64, digest: Digest, refreshingLeaseBefore staleBefore: Date, now: Date) async throws -> Int64? {
        let link = try await pool.read { db -> (size: Int64, usedAt: Double)? in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT b.size, l.used_at FROM blob_links l JOIN blobs b ON b.digest = l.digest WHERE l.repository_id = ? AND l.digest = ?"),
                arguments: [repository, digest.description]
            ).map { ($0[0], $0[1]) }
        }
        guard let (size, usedAt) = link else { return nil }
        guard usedAt < staleBefore.timeIntervalSince1970 else { return size }
        // Renewed only while still linked: a collection that removed the link meanwhile wins, and
        // the client is told the blob is absent (it uploads it again).
        let renewed = try await pool.write { db in
            try db.execute(
                sql: "UPDATE blob_links SET used_at = max(used_at, ?) WHERE repository_id = ? AND digest = ?",
                arguments: [now.timeIntervalSince1970, repository, digest.description])
            return db.changesCount > 0
        }
        return renewed ? size : nil
    }

    public func tagStates(repository: Int64) async throws -> [TagState] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT name, digest, updated_at FROM tags WHERE repository_id = ? ORDER BY name"), arguments: [repository]
            ).compactMap { row in
                (try? Digest(parsing: row[1] as String)).map { TagState(name: row[0], digest: $0, pushedAt: Date(timeIntervalSince1970: row[2])) }
            }
        }
    }

    public func manifestStates(repository: Int64) async throws -> [ManifestState] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT digest, created_at, pulled_at, subject, content FROM manifests WHERE repository_id = ? ORDER BY digest"),
                arguments: [repository]
            ).compactMap { row in
                guard let digest = try? Digest(parsing: row[0] as String) else { return nil }
                return ManifestState(
                    digest: digest, createdAt: Date(timeIntervalSince1970: row[1]),
                    pulledAt: (row[2] as Double?).map(Date.init(timeIntervalSince1970:)),
                    subject: (row[3] as String?).flatMap { try? Digest(parsing: $0) }, content: row[4])
            }
        }
    }

    public func recordPulls(_ pulls: [LinkKey: Date]) async throws {
        guard !pulls.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE manifests SET pulled_at = max(coalesce(pulled_at, 0), ?) WHERE repository_id = ? AND digest = ?")
            for (key, time) in pulls {
                try statement.execute(arguments: [time.timeIntervalSince1970, key.repository, key.digest.description])
            }
        }
    }
}
