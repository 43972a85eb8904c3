import AegisCore
import AegisStore
import Foundation
import PostgresNIO

/// Storage per tenant, counted exactly as the SQLite driver counts it: the bytes of the distinct
/// blobs its repositories link. The transactions that link and unlink append deltas to
/// `tenant_storage_deltas` (inserts, so concurrent pushes never conflict on a counter row); reads
/// sum the folded count and the deltas (`tenant_storage_counted`); `compactStorageCounts` folds.
extension PostgresMetadataStore {
    /// The SQL that recounts every tenant from the links.
    static let storageRecountSQL = """
        SELECT d.tenant AS tenant, sum(b.size)::bigint AS bytes
        FROM (SELECT DISTINCT r.tenant AS tenant, l.digest AS digest
              FROM blob_links l JOIN repositories r ON r.id = l.repository_id) d
        JOIN blobs b ON b.digest = d.digest
        GROUP BY d.tenant
        """

    public func storageUsed(by tenant: TenantID) async throws -> Int64 {
        try await value("SELECT bytes FROM tenant_storage_counted WHERE tenant = \(tenant.value)", as: Int64.self) ?? 0
    }

    public func storageByTenant() async throws -> [(tenant: TenantID, bytes: Int64)] {
        try await rows("SELECT tenant, bytes FROM tenant_storage_counted WHERE bytes > 0 ORDER BY tenant").compactMap { row in
            let (tenant, bytes) = try row.decode((String, Int64).self)
            return (try? TenantID(tenant)).map { (tenant: $0, bytes: bytes) }
        }
    }

    /// Every tenant's counted and recounted bytes, in one snapshot (a single statement sees one).
    public func recountStorage() async throws -> [(tenant: String, counted: Int64, recounted: Int64)] {
        try await rows(
            """
            WITH recounted AS (\(unescaped: Self.storageRecountSQL))
            SELECT t.name, coalesce(s.bytes, 0), coalesce(r.bytes, 0) FROM tenants t
            LEFT JOIN tenant_storage_counted s ON s.tenant = t.name LEFT JOIN recounted r ON r.tenant = t.name
            ORDER BY t.name
            """
        ).map { row in
            let (tenant, counted, recounted) = try row.decode((String, Int64, Int64).self)
            return (tenant: tenant, counted: counted, recounted: recounted)
        }
    }

    /// One statement: the deltas it deletes are exactly the ones it adds, whatever runs beside it.
    public func compactStorageCounts() async throws {
        try await execute(
            """
            WITH folded AS (DELETE FROM tenant_storage_deltas RETURNING tenant, bytes)
            INSERT INTO tenant_storage(tenant, bytes) SELECT tenant, sum(bytes)::bigint FROM folded GROUP BY tenant
            ON CONFLICT(tenant) DO UPDATE SET bytes = tenant_storage.bytes + excluded.bytes
            """)
    }

    public func storageQuota(of tenant: TenantID) async throws -> Int64? {
        try await value("SELECT storage_quota FROM tenants WHERE name = \(tenant.value)", as: Int64.self)
    }
}

extension PostgresTransaction {
    /// Whether any repository of the repository's tenant links the blob.
    func tenantLinks(repository: Int64, digest: Digest) throws -> Bool {
        try exists(
            """
            SELECT 1 FROM blob_links l JOIN repositories r ON r.id = l.repository_id
            WHERE l.digest = \(digest.description) AND r.tenant = (SELECT tenant FROM repositories WHERE id = \(repository)) LIMIT 1
            """)
    }

    /// Adds `bytes` (negative: removes) to the count of the repository's tenant.
    func count(_ bytes: Int64, forTenantOf repository: Int64) throws {
        try execute(
            """
            INSERT INTO tenant_storage_deltas(tenant, bytes) SELECT tenant, \(bytes) FROM repositories WHERE id = \(repository)
            """)
    }
}
