import AegisCore
import AegisStore
import Foundation
import PostgresNIO

/// What a tenant stores that nothing it keeps needs, by the same definitions as the SQLite driver
/// (see `SQLiteMetadataStore.efficiency`), computed in SQL over the stored manifests with
/// PostgreSQL's `jsonb`: nothing is loaded into memory beyond the answer.
extension PostgresMetadataStore {
    /// `$1` is the tenant. PostgreSQL takes one recursive reference per recursive term, so the
    /// two ways of reaching a manifest (an index lists it; it refers to a reachable subject) are
    /// one lateral union.
    private static let reachabilitySQL = """
        WITH RECURSIVE
        tm AS (
            SELECT m.repository_id, m.digest, m.size, m.subject, m.created_at, convert_from(m.content, 'UTF8')::jsonb AS body
            FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.tenant = $1),
        roots(repository_id, digest) AS (
            SELECT t.repository_id, t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.tenant = $1
            UNION
            SELECT s.repository_id, s.digest FROM tm s
            WHERE s.subject IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tm p WHERE p.repository_id = s.repository_id AND p.digest = s.subject)),
        reachable(repository_id, digest) AS (
            SELECT repository_id, digest FROM roots
            UNION
            SELECT next.repository_id, next.digest FROM reachable JOIN LATERAL (
                SELECT tm.repository_id, j->>'digest' AS digest FROM tm, jsonb_array_elements(\(array("tm.body", "manifests"))) j
                WHERE tm.repository_id = reachable.repository_id AND tm.digest = reachable.digest
                UNION ALL
                SELECT tm.repository_id, tm.digest FROM tm
                WHERE tm.repository_id = reachable.repository_id AND tm.subject = reachable.digest) next ON true),
        refs(repository_id, manifest, blob) AS (
            SELECT repository_id, digest, body->'config'->>'digest' FROM tm WHERE body->'config'->>'digest' IS NOT NULL
            UNION ALL
            SELECT tm.repository_id, tm.digest, j->>'digest' FROM tm, jsonb_array_elements(\(array("tm.body", "layers"))) j
            UNION ALL
            SELECT tm.repository_id, tm.digest, j->>'digest' FROM tm, jsonb_array_elements(\(array("tm.body", "blobs"))) j),
        live(blob) AS (
            SELECT DISTINCT refs.blob FROM refs
            JOIN reachable ON reachable.repository_id = refs.repository_id AND reachable.digest = refs.manifest
            WHERE refs.blob IS NOT NULL),
        linked(digest) AS (
            SELECT DISTINCT l.digest FROM blob_links l JOIN repositories r ON r.id = l.repository_id WHERE r.tenant = $1),
        untagged(repository_id, digest, size, created_at) AS (
            SELECT repository_id, digest, size, created_at FROM tm
            WHERE NOT EXISTS (SELECT 1 FROM reachable x WHERE x.repository_id = tm.repository_id AND x.digest = tm.digest))

        """

    /// A member of the body that must be an array to be walked (anything else walks as empty).
    private static func array(_ body: String, _ key: String) -> String {
        "CASE WHEN jsonb_typeof(\(body)->'\(key)') = 'array' THEN \(body)->'\(key)' ELSE '[]'::jsonb END"
    }

    private func efficiencyQuery(_ select: String, tenant: TenantID, limit: Int? = nil) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(tenant.value)
        if let limit { binds.append(limit) }
        return PostgresQuery(unsafeSQL: Self.reachabilitySQL + select, binds: binds)
    }

    public func efficiency(of tenant: TenantID, limit: Int) async throws -> StorageEfficiency {
        // One transaction, so the three answers describe the same moment.
        try await client.withTransaction(logger: logger) { connection in
            let query = { (query: PostgresQuery) in try await connection.query(query, logger: self.logger).collect() }
            _ = try await query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let manifests = try await query(
                efficiencyQuery("SELECT count(*), coalesce(sum(size), 0)::bigint FROM untagged", tenant: tenant)
            ).first?.decode((Int64, Int64).self)
            let blobs = try await query(
                efficiencyQuery(
                    """
                    SELECT count(*), coalesce(sum(b.size), 0)::bigint,
                           coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM refs WHERE refs.blob = linked.digest) THEN 0 ELSE b.size END), 0)::bigint
                    FROM linked JOIN blobs b ON b.digest = linked.digest
                    WHERE linked.digest NOT IN (SELECT blob FROM live)
                    """, tenant: tenant)
            ).first?.decode((Int64, Int64, Int64).self)
            let oldest = try await query(
                efficiencyQuery(
                    """
                    SELECT r.name, u.digest, u.size, u.created_at FROM untagged u JOIN repositories r ON r.id = u.repository_id
                    ORDER BY u.created_at, r.name, u.digest LIMIT $2
                    """, tenant: tenant, limit: limit)
            ).map { row in
                let (repository, digest, size, createdAt) = try row.decode((String, String, Int64, Double).self)
                return StorageEfficiency.UntaggedManifest(
                    repository: repository, digest: digest, size: size, createdAt: Date(timeIntervalSince1970: createdAt))
            }
            return StorageEfficiency(
                untaggedManifests: Int(manifests?.0 ?? 0), untaggedManifestBytes: manifests?.1 ?? 0,
                reclaimableBlobs: Int(blobs?.0 ?? 0), reclaimableBytes: blobs?.1 ?? 0, unreferencedBytes: blobs?.2 ?? 0,
                oldestUntagged: oldest)
        }
    }
}
