import AegisCore
import AegisStore
import Foundation
import GRDB

/// What a tenant stores that nothing it keeps needs: manifests no tag reaches, and the blobs only
/// they (or nothing at all) reference. Computed in SQL over the stored manifests (SQLite's JSON
/// functions read `config`, `layers`, `blobs` and `manifests`), so nothing is loaded into memory
/// beyond the answer.
///
/// A manifest is *reachable* when a tag names it, when a reachable index lists it, or when it is
/// a referrer (signature, SBOM…) of a reachable manifest or of a subject not stored (yet). Every
/// other manifest is *untagged*. A blob is *reclaimable* when the tenant links it and no reachable
/// manifest of the tenant references it: deleting the untagged manifests and then those blobs
/// frees its bytes from the tenant's storage.
extension SQLiteMetadataStore {
    private static let reachabilitySQL = """
        WITH RECURSIVE
        tm(repository_id, digest, size, subject, body, created_at) AS (
            SELECT m.repository_id, m.digest, m.size, m.subject, CAST(m.content AS TEXT), m.created_at
            FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.tenant = :tenant),
        reachable(repository_id, digest) AS (
            SELECT t.repository_id, t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.tenant = :tenant
            UNION
            SELECT s.repository_id, s.digest FROM tm s
            WHERE s.subject IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tm p WHERE p.repository_id = s.repository_id AND p.digest = s.subject)
            UNION
            SELECT tm.repository_id, json_extract(j.value, '$.digest')
            FROM reachable JOIN tm ON tm.repository_id = reachable.repository_id AND tm.digest = reachable.digest,
                 json_each(tm.body, '$.manifests') j
            UNION
            SELECT tm.repository_id, tm.digest
            FROM reachable JOIN tm ON tm.repository_id = reachable.repository_id AND tm.subject = reachable.digest),
        refs(repository_id, manifest, blob) AS (
            SELECT repository_id, digest, json_extract(body, '$.config.digest') FROM tm
            WHERE json_extract(body, '$.config.digest') IS NOT NULL
            UNION ALL
            SELECT tm.repository_id, tm.digest, json_extract(j.value, '$.digest') FROM tm, json_each(tm.body, '$.layers') j
            UNION ALL
            SELECT tm.repository_id, tm.digest, json_extract(j.value, '$.digest') FROM tm, json_each(tm.body, '$.blobs') j),
        live(blob) AS (
            SELECT DISTINCT refs.blob FROM refs
            JOIN reachable ON reachable.repository_id = refs.repository_id AND reachable.digest = refs.manifest
            WHERE refs.blob IS NOT NULL),
        linked(digest) AS (
            SELECT DISTINCT l.digest FROM blob_links l JOIN repositories r ON r.id = l.repository_id WHERE r.tenant = :tenant),
        untagged(repository_id, digest, size, created_at) AS (
            SELECT repository_id, digest, size, created_at FROM tm
            WHERE NOT EXISTS (SELECT 1 FROM reachable x WHERE x.repository_id = tm.repository_id AND x.digest = tm.digest))

        """

    /// The tenant's untagged manifests and reclaimable bytes; lists at most `limit` of the untagged
    /// manifests, oldest first.
    public func efficiency(of tenant: TenantID, limit: Int) async throws -> StorageEfficiency {
        try await pool.read { db in
            let arguments: StatementArguments = ["tenant": tenant.value]
            let manifests = try Row.fetchOne(
                db, sql: Self.reachabilitySQL + "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM untagged",
                arguments: arguments)
            let blobs = try Row.fetchOne(
                db,
                sql: Self.reachabilitySQL + """
                    SELECT count(*) AS n, coalesce(sum(b.size), 0) AS bytes,
                           coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM refs WHERE refs.blob = linked.digest) THEN 0 ELSE b.size END), 0)
                               AS unreferenced
                    FROM linked JOIN blobs b ON b.digest = linked.digest
                    WHERE linked.digest NOT IN (SELECT blob FROM live)
                    """,
                arguments: arguments)
            let oldest = try Row.fetchAll(
                db,
                sql: Self.reachabilitySQL + """
                    SELECT r.name, u.digest, u.size, u.created_at FROM untagged u JOIN repositories r ON r.id = u.repository_id
                    ORDER BY u.created_at, r.name, u.digest LIMIT :limit
                    """,
                arguments: ["tenant": tenant.value, "limit": limit]
            ).map { row in
                StorageEfficiency.UntaggedManifest(
                    repository: row[0], digest: row[1], size: row[2], createdAt: Date(timeIntervalSince1970: row[3]))
            }
            return StorageEfficiency(
                untaggedManifests: manifests?["n"] ?? 0, untaggedManifestBytes: manifests?["bytes"] ?? 0,
                reclaimableBlobs: blobs?["n"] ?? 0, reclaimableBytes: blobs?["bytes"] ?? 0,
                unreferencedBytes: blobs?["unreferenced"] ?? 0, oldestUntagged: oldest)
        }
    }
}
