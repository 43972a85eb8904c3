import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresTransaction {
    func tenant(_ tenant: TenantID) throws -> TenantRecord? {
        try rows("SELECT name, created_at FROM tenants WHERE name = \(tenant.value)").first.flatMap(PostgresMetadataStore.tenant(from:))
    }

    func insertTenant(_ tenant: TenantID) throws -> TenantRecord {
        if try exists("SELECT 1 FROM tenants WHERE name = \(tenant.value)") { throw StoreError(.conflict, "tenant '\(tenant)' already exists") }
        try execute("INSERT INTO tenants(name, created_at) VALUES (\(tenant.value), \(timestamp))")
        return TenantRecord(name: tenant, createdAt: now)
    }

    func deleteTenant(_ tenant: TenantID) throws {
        try requireTenant(tenant)
        let repositories = try value("SELECT count(*) FROM repositories WHERE tenant = \(tenant.value)", as: Int64.self) ?? 0
        guard repositories == 0 else { throw StoreError(.conflict, "tenant '\(tenant)' still has \(repositories) repositories") }
        try execute("DELETE FROM tenants WHERE name = \(tenant.value)")
    }

    func repository(_ name: RepositoryName) throws -> RepositoryRecord? {
        try value("SELECT id FROM repositories WHERE name = \(name.value)", as: Int64.self).map { RepositoryRecord(id: $0, name: name) }
    }

    func insertRepository(_ name: RepositoryName) throws -> RepositoryRecord {
        try requireTenant(name.tenant)
        if try repository(name) != nil { throw StoreError(.conflict, "repository '\(name)' already exists") }
        let id = try value(
            "INSERT INTO repositories(name, tenant, created_at) VALUES (\(name.value), \(name.tenant.value), \(timestamp)) RETURNING id",
            as: Int64.self)
        guard let id else { throw StoreError(.conflict, "repository '\(name)' was not created") }
        return RepositoryRecord(id: id, name: name)
    }

    func setPublic(_ isPublic: Bool, repository: RepositoryName) throws {
        guard try execute("UPDATE repositories SET public = \(isPublic) WHERE name = \(repository.value)") > 0 else {
            throw StoreError(.notFound, "repository '\(repository)' does not exist")
        }
    }

    func linkedBlobSize(repository: Int64, digest: Digest) throws -> Int64? {
        try value(
            """
            SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest
            WHERE l.repository_id = \(repository) AND l.digest = \(digest.description)
            """)
    }

    func tenantLinks(_ tenant: TenantID, digest: Digest) throws -> Bool {
        try exists(
            """
            SELECT 1 FROM blob_links l JOIN repositories r ON r.id = l.repository_id
            WHERE l.digest = \(digest.description) AND r.tenant = \(tenant.value) LIMIT 1
            """)
    }

    func linkBlob(repository: Int64, digest: Digest, size: Int64) throws -> Bool {
        let linkedBefore = try tenantLinks(repository: repository, digest: digest)
        try execute(
            "INSERT INTO blobs(digest, size, created_at) VALUES (\(digest.description), \(size), \(timestamp)) ON CONFLICT(digest) DO NOTHING")
        let added = try execute(
            """
            INSERT INTO blob_links(repository_id, digest, created_at, used_at) VALUES (\(repository), \(digest.description), \(timestamp), \(timestamp))
            ON CONFLICT(repository_id, digest) DO NOTHING
            """)
        guard added > 0 else {
            // Linked already: linking again (an upload or mount of the same blob) renews the lease.
            try execute("UPDATE blob_links SET used_at = \(timestamp) WHERE repository_id = \(repository) AND digest = \(digest.description)")
            return false
        }
        if !linkedBefore { try count(size, forTenantOf: repository) }
        return true
    }

    func unlinkBlob(repository: Int64, digest: Digest) throws -> Bool {
        let size = try value(
            "DELETE FROM blob_links l USING blobs b WHERE l.repository_id = \(repository) AND l.digest = \(digest.description) AND b.digest = l.digest RETURNING b.size",
            as: Int64.self)
        guard let size else { return false }
        if try !tenantLinks(repository: repository, digest: digest) { try count(-size, forTenantOf: repository) }
        return true
    }

    func storageUsed(by tenant: TenantID) throws -> Int64 {
        try value("SELECT bytes FROM tenant_storage_counted WHERE tenant = \(tenant.value)", as: Int64.self) ?? 0
    }

    func storageQuota(of tenant: TenantID) throws -> Int64? {
        try value("SELECT storage_quota FROM tenants WHERE name = \(tenant.value)", as: Int64.self)
    }

    func setStorageQuota(_ bytes: Int64?, of tenant: TenantID) throws {
        guard try execute("UPDATE tenants SET storage_quota = \(bytes) WHERE name = \(tenant.value)") > 0 else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func upload(_ id: UploadID) throws -> UploadRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.uploadColumns) FROM uploads WHERE id = \(id.value)").first
            .flatMap(PostgresMetadataStore.upload(from:))
    }

    func deleteUpload(_ id: UploadID) throws {
        try execute("DELETE FROM uploads WHERE id = \(id.value)")
    }

    func collectLink(_ key: LinkKey, usedBefore cutoff: Date) throws -> Bool {
        let size = try value(
            """
            DELETE FROM blob_links l USING blobs b
            WHERE l.repository_id = \(key.repository) AND l.digest = \(key.digest.description) AND b.digest = l.digest
            AND l.used_at < \(cutoff.timeIntervalSince1970)
            AND NOT EXISTS (SELECT 1 FROM manifest_blobs m WHERE m.repository_id = l.repository_id AND m.digest = l.digest)
            RETURNING b.size
            """, as: Int64.self)
        guard let size else { return false }
        if try !tenantLinks(repository: key.repository, digest: key.digest) { try count(-size, forTenantOf: key.repository) }
        return true
    }

    func collectBlob(_ digest: Digest) throws -> Bool {
        try execute(
            """
            DELETE FROM blobs b WHERE b.digest = \(digest.description)
            AND NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = b.digest)
            AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.final_digest = b.digest)
            AND NOT EXISTS (SELECT 1 FROM collection_holds h WHERE h.until > \(timestamp))
            """) > 0
    }

    func resetStorageCounts() throws -> [(tenant: String, counted: Int64, recounted: Int64)] {
        let changed = try rows(
            """
            WITH recounted AS (\(unescaped: PostgresMetadataStore.storageRecountSQL))
            SELECT coalesce(s.tenant, r.tenant), coalesce(s.bytes, 0)::bigint, coalesce(r.bytes, 0)::bigint
            FROM tenant_storage_counted s FULL JOIN recounted r ON r.tenant = s.tenant
            WHERE coalesce(s.bytes, 0) <> coalesce(r.bytes, 0) ORDER BY 1
            """
        ).map { try $0.decode((String, Int64, Int64).self) }
        try execute("DELETE FROM tenant_storage_deltas")
        try execute("DELETE FROM tenant_storage")
        try execute("INSERT INTO tenant_storage(tenant, bytes) \(unescaped: PostgresMetadataStore.storageRecountSQL)")
        return changed.map { (tenant: $0.0, counted: $0.1, recounted: $0.2) }
    }
}
