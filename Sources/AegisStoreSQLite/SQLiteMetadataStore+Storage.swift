import AegisCore
import AegisStore
import Foundation
import GRDB

/// Storage per tenant: the bytes of the distinct blobs its repositories link (a blob in two of its
/// repositories counts once; a blob shared with another tenant counts for each). The count is kept
/// in `tenant_storage` by the same transactions that link and unlink, so it is exact, and
/// `recountStorage` recomputes it from the links to prove it.
extension SQLiteMetadataStore {
    /// The SQL that recounts every tenant from the links.
    static let storageRecountSQL = """
        SELECT d.tenant AS tenant, sum(b.size) AS bytes
        FROM (SELECT DISTINCT r.tenant AS tenant, l.digest AS digest
              FROM blob_links l JOIN repositories r ON r.id = l.repository_id) d
        JOIN blobs b ON b.digest = d.digest
        GROUP BY d.tenant
        """

    /// Called inside a link transaction when the tenant did not link the blob yet: counts its bytes.
    static func countLink(_ db: Database, repository: Int64, size: Int64) throws {
        guard let tenant = try tenant(of: repository, db) else { return }
        try add(size, to: tenant, db)
    }

    /// Whether any repository of the repository's tenant links the blob.
    static func tenantLinks(_ db: Database, repository: Int64, digest: Digest) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT 1 FROM blob_links l JOIN repositories r ON r.id = l.repository_id
                    WHERE l.digest = ? AND r.tenant = (SELECT tenant FROM repositories WHERE id = ?) LIMIT 1
                    """),
            arguments: [digest.description, repository]) ?? false
    }

    /// Called after an unlink: uncounts the blob when the tenant no longer links it anywhere.
    static func countUnlink(_ db: Database, repository: Int64, digest: Digest) throws {
        guard try !tenantLinks(db, repository: repository, digest: digest), let tenant = try tenant(of: repository, db),
            let size = try Int64.fetchOne(db, sql: "SELECT size FROM blobs WHERE digest = ?", arguments: [digest.description])
        else { return }
        try add(-size, to: tenant, db)
    }

    private static func tenant(of repository: Int64, _ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT tenant FROM repositories WHERE id = ?"), arguments: [repository])
    }

    private static func add(_ bytes: Int64, to tenant: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO tenant_storage(tenant, bytes) VALUES (?, ?)
                ON CONFLICT(tenant) DO UPDATE SET bytes = bytes + excluded.bytes
                """,
            arguments: [tenant, bytes])
    }

    /// Bytes the tenant stores, as counted.
    public func storageUsed(by tenant: TenantID) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT bytes FROM tenant_storage WHERE tenant = ?", arguments: [tenant.value]) ?? 0
        }
    }

    /// Every tenant's counted bytes.
    public func storageByTenant() async throws -> [(tenant: TenantID, bytes: Int64)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT tenant, bytes FROM tenant_storage WHERE bytes > 0 ORDER BY tenant").compactMap { row in
                (try? TenantID(row["tenant"] as String)).map { (tenant: $0, bytes: row["bytes"]) }
            }
        }
    }

    /// Every tenant's counted and recounted bytes, in one read snapshot.
    public func recountStorage() async throws -> [(tenant: String, counted: Int64, recounted: Int64)] {
        try await pool.read { db in
            var recounted: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: Self.storageRecountSQL) { recounted[row["tenant"]] = row["bytes"] }
            var counted: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT tenant, bytes FROM tenant_storage") { counted[row["tenant"]] = row["bytes"] }
            let tenants = try String.fetchAll(db, sql: "SELECT name FROM tenants ORDER BY name")
            return tenants.map { (tenant: $0, counted: counted[$0] ?? 0, recounted: recounted[$0] ?? 0) }
        }
    }

    /// The tenant's storage quota in bytes; nil is unlimited.
    /// One writer updates the counter row in place: nothing to fold.
    public func compactStorageCounts() async throws {}

    public func storageQuota(of tenant: TenantID) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT storage_quota FROM tenants WHERE name = ?", arguments: [tenant.value])
        }
    }

}
