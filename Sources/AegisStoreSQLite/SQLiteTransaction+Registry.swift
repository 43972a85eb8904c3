import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteTransaction {
    func tenant(_ tenant: TenantID) throws -> TenantRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT name, created_at FROM tenants WHERE name = ?"), arguments: [tenant.value])
            .flatMap(SQLiteMetadataStore.tenant(from:))
    }

    func insertTenant(_ tenant: TenantID) throws -> TenantRecord {
        if try exists("SELECT 1 FROM tenants WHERE name = ?", [tenant.value]) {
            throw StoreError(.conflict, "tenant '\(tenant)' already exists")
        }
        try db.execute(sql: "INSERT INTO tenants(name, created_at) VALUES (?, ?)", arguments: [tenant.value, timestamp])
        return TenantRecord(name: tenant, createdAt: now)
    }

    func deleteTenant(_ tenant: TenantID) throws {
        try requireTenant(tenant)
        let repositories = try Int.fetchOne(db, sql: "SELECT count(*) FROM repositories WHERE tenant = ?", arguments: [tenant.value]) ?? 0
        guard repositories == 0 else { throw StoreError(.conflict, "tenant '\(tenant)' still has \(repositories) repositories") }
        try db.execute(sql: "DELETE FROM tenants WHERE name = ?", arguments: [tenant.value])
    }

    func repository(_ name: RepositoryName) throws -> RepositoryRecord? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM repositories WHERE name = ?"), arguments: [name.value])
            .map { RepositoryRecord(id: $0, name: name) }
    }

    func insertRepository(_ name: RepositoryName) throws -> RepositoryRecord {
        try requireTenant(name.tenant)
        if try repository(name) != nil { throw StoreError(.conflict, "repository '\(name)' already exists") }
        try db.execute(
            sql: "INSERT INTO repositories(name, tenant, created_at) VALUES (?, ?, ?)", arguments: [name.value, name.tenant.value, timestamp])
        return RepositoryRecord(id: db.lastInsertedRowID, name: name)
    }

    func setPublic(_ isPublic: Bool, repository: RepositoryName) throws {
        try db.execute(sql: "UPDATE repositories SET public = ? WHERE name = ?", arguments: [isPublic, repository.value])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "repository '\(repository)' does not exist") }
    }

    func linkedBlobSize(repository: Int64, digest: Digest) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest WHERE l.repository_id = ? AND l.digest = ?"),
            arguments: [repository, digest.description])
    }

    func tenantLinks(_ tenant: TenantID, digest: Digest) throws -> Bool {
        try exists(
            "SELECT 1 FROM blob_links l JOIN repositories r ON r.id = l.repository_id WHERE l.digest = ? AND r.tenant = ? LIMIT 1",
            [digest.description, tenant.value])
    }

    func linkBlob(repository: Int64, digest: Digest, size: Int64) throws -> Bool {
        let linkedBefore = try SQLiteMetadataStore.tenantLinks(db, repository: repository, digest: digest)
        try db.execute(
            sql: "INSERT INTO blobs(digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT(digest) DO NOTHING",
            arguments: [digest.description, size, timestamp])
        try db.execute(
            sql: """
                INSERT INTO blob_links(repository_id, digest, created_at, used_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(repository_id, digest) DO NOTHING
                """,
            arguments: [repository, digest.description, timestamp, timestamp])
        guard db.changesCount > 0 else {
            // Linked already: linking again (an upload or mount of the same blob) renews the lease.
            try db.execute(
                sql: "UPDATE blob_links SET used_at = ? WHERE repository_id = ? AND digest = ?",
                arguments: [timestamp, repository, digest.description])
            return false
        }
        if !linkedBefore { try SQLiteMetadataStore.countLink(db, repository: repository, size: size) }
        return true
    }

    func unlinkBlob(repository: Int64, digest: Digest) throws -> Bool {
        try db.execute(sql: "DELETE FROM blob_links WHERE repository_id = ? AND digest = ?", arguments: [repository, digest.description])
        guard db.changesCount > 0 else { return false }
        try SQLiteMetadataStore.countUnlink(db, repository: repository, digest: digest)
        return true
    }

    func storageUsed(by tenant: TenantID) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM tenant_storage WHERE tenant = ?"), arguments: [tenant.value]) ?? 0
    }

    func storageQuota(of tenant: TenantID) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT storage_quota FROM tenants WHERE name = ?"), arguments: [tenant.value])
    }

    func setStorageQuota(_ bytes: Int64?, of tenant: TenantID) throws {
        try db.execute(sql: "UPDATE tenants SET storage_quota = ? WHERE name = ?", arguments: [bytes, tenant.value])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "tenant '\(tenant)' does not exist") }
    }

    func upload(_ id: UploadID) throws -> UploadRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM uploads WHERE id = ?"), arguments: [id.value])
            .flatMap(SQLiteMetadataStore.upload(from:))
    }

    func deleteUpload(_ id: UploadID) throws {
        try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id.value])
    }

    func collectLink(_ key: LinkKey, usedBefore cutoff: Date) throws -> Bool {
        try db.execute(
            sql: """
                DELETE FROM blob_links WHERE repository_id = ? AND digest = ? AND used_at < ?
                AND NOT EXISTS (SELECT 1 FROM manifest_blobs m WHERE m.repository_id = blob_links.repository_id AND m.digest = blob_links.digest)
                """,
            arguments: [key.repository, key.digest.description, cutoff.timeIntervalSince1970])
        guard db.changesCount > 0 else { return false }
        try SQLiteMetadataStore.countUnlink(db, repository: key.repository, digest: key.digest)
        return true
    }

    func collectBlob(_ digest: Digest) throws -> Bool {
        try db.execute(
            sql: """
                DELETE FROM blobs WHERE digest = ?
                AND NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = blobs.digest)
                AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.final_digest = blobs.digest)
                AND NOT EXISTS (SELECT 1 FROM collection_holds h WHERE h.until > ?)
                """,
            arguments: [digest.description, timestamp])
        return db.changesCount > 0
    }

    func resetStorageCounts() throws -> [(tenant: String, counted: Int64, recounted: Int64)] {
        var counted: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT tenant, bytes FROM tenant_storage") { counted[row[0]] = row[1] }
        var recounted: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: SQLiteMetadataStore.storageRecountSQL) { recounted[row["tenant"]] = row["bytes"] }
        try db.execute(sql: "DELETE FROM tenant_storage")
        for (tenant, bytes) in recounted {
            try db.execute(sql: "INSERT INTO tenant_storage(tenant, bytes) VALUES (?, ?)", arguments: [tenant, bytes])
        }
        return Set(counted.keys).union(recounted.keys).sorted().compactMap { tenant in
            let (old, new) = (counted[tenant] ?? 0, recounted[tenant] ?? 0)
            return old == new ? nil : (tenant, old, new)
        }
    }
}
