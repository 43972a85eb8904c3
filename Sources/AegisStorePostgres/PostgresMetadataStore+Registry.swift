import AegisCore
import AegisStore
import Foundation
import PostgresNIO

// MARK: - Tenants and repositories

extension PostgresMetadataStore {
    public func tenants() async throws -> [TenantRecord] {
        try await rows("SELECT name, created_at FROM tenants ORDER BY name").compactMap(Self.tenant(from:))
    }

    public func tenant(_ tenant: TenantID) async throws -> TenantRecord? {
        try await rows("SELECT name, created_at FROM tenants WHERE name = \(tenant.value)").first.flatMap(Self.tenant(from:))
    }

    static func tenant(from row: PostgresRow) throws -> TenantRecord? {
        let (name, createdAt) = try row.decode((String, Double).self)
        return (try? TenantID(name)).map { TenantRecord(name: $0, createdAt: Date(timeIntervalSince1970: createdAt)) }
    }

    public func repository(_ name: RepositoryName) async throws -> RepositoryRecord? {
        try await value("SELECT id FROM repositories WHERE name = \(name.value)", as: Int64.self).map { RepositoryRecord(id: $0, name: name) }
    }

    public func repositoryNames(after: String?, limit: Int, visible: RepositoryFilter?) async throws -> [String] {
        // One statement either way: `$2` (no filter) short-circuits, and the unnamed statement is
        // planned with its values. Arrays bind as one parameter each; `left(name, n) = prefix`, not
        // LIKE, because names may hold `_`.
        let query: PostgresQuery = """
            SELECT name FROM repositories WHERE name > \(after ?? "")
            AND (\(visible == nil) OR tenant = ANY(\(visible?.tenants.map(\.value) ?? [])) OR name = ANY(\(visible?.names ?? []))
                 OR EXISTS (SELECT 1 FROM unnest(\(visible?.prefixes ?? [])::text[]) p WHERE left(name, length(p)) = p))
            ORDER BY name LIMIT \(limit)
            """
        return try await rows(query).map { try $0.decode(String.self) }
    }
}

// MARK: - Blobs

extension PostgresMetadataStore {
    public func linkedBlobSize(repository: Int64, digest: Digest) async throws -> Int64? {
        try await value(
            """
            SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest
            WHERE l.repository_id = \(repository) AND l.digest = \(digest.description)
            """)
    }

    public func blobSizeLinked(inTenant tenant: TenantID, digest: Digest) async throws -> Int64? {
        try await value(
            """
            SELECT b.size FROM blob_links l JOIN repositories r ON r.id = l.repository_id JOIN blobs b ON b.digest = l.digest
            WHERE l.digest = \(digest.description) AND r.tenant = \(tenant.value) LIMIT 1
            """)
    }

    public func isBlobLinkedAnywhere(_ digest: Digest) async throws -> Bool {
        try await !rows("SELECT 1 FROM blob_links WHERE digest = \(digest.description) LIMIT 1").isEmpty
    }
}

// MARK: - Uploads

extension PostgresMetadataStore {
    static let uploadColumns = "id, repository_id, algorithm, created_at, updated_at, final_digest, final_size"

    public func createUpload(_ upload: UploadRecord) async throws {
        try await execute(
            """
            INSERT INTO uploads(id, repository_id, algorithm, created_at, updated_at)
            VALUES (\(upload.id.value), \(upload.repositoryID), \(upload.algorithm.rawValue),
                    \(upload.createdAt.timeIntervalSince1970), \(upload.updatedAt.timeIntervalSince1970))
            """)
    }

    public func upload(_ id: UploadID) async throws -> UploadRecord? {
        try await rows("SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE id = \(id.value)").first.flatMap(Self.upload(from:))
    }

    public func uploadExists(_ id: UploadID) async throws -> Bool {
        try await !rows("SELECT 1 FROM uploads WHERE id = \(id.value)").isEmpty
    }

    public func touchUpload(_ id: UploadID, at date: Date) async throws {
        try await execute("UPDATE uploads SET updated_at = \(date.timeIntervalSince1970) WHERE id = \(id.value)")
    }

    public func markUploadFinalizing(_ id: UploadID, as blob: BlobInfo) async throws {
        try await execute(
            "UPDATE uploads SET final_digest = \(blob.digest.description), final_size = \(blob.size) WHERE id = \(id.value)")
    }

    public func knownBlobs(_ digests: [Digest]) async throws -> Set<Digest> {
        guard !digests.isEmpty else { return [] }
        let texts = digests.map(\.description)
        let rows = try await rows(
            """
            SELECT digest FROM blobs WHERE digest = ANY(\(texts))
            UNION SELECT final_digest FROM uploads WHERE final_digest = ANY(\(texts))
            """)
        return Set(rows.compactMap { try? Digest(parsing: try $0.decode(String.self)) })
    }

    public func deleteUpload(_ id: UploadID) async throws {
        try await execute("DELETE FROM uploads WHERE id = \(id.value)")
    }

    public func uploads(updatedBefore date: Date) async throws -> [UploadRecord] {
        try await rows(
            "SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE updated_at < \(date.timeIntervalSince1970) ORDER BY updated_at"
        ).compactMap(Self.upload(from:))
    }

    static func upload(from row: PostgresRow) throws -> UploadRecord? {
        let (id, repository, algorithm, createdAt, updatedAt, finalDigest, finalSize) = try row.decode(
            (String, Int64, String, Double, Double, String?, Int64?).self)
        guard let id = try? UploadID(parsing: id), let algorithm = DigestAlgorithm(rawValue: algorithm) else { return nil }
        let final = finalDigest.flatMap { try? Digest(parsing: $0) }
        return UploadRecord(
            id: id, repositoryID: repository, algorithm: algorithm, createdAt: Date(timeIntervalSince1970: createdAt),
            updatedAt: Date(timeIntervalSince1970: updatedAt), finalizing: final.map { BlobInfo(digest: $0, size: finalSize ?? 0) })
    }
}
