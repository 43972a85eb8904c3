import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let blobObjectColumns = "digest, key, size, created_at"

    public func blobObject(_ digest: Digest) async throws -> BlobObjectRecord? {
        try await rows(
            "SELECT \(unescaped: Self.blobObjectColumns) FROM blob_objects WHERE digest = \(digest.description) AND NOT removing"
        ).first.flatMap(Self.blobObject(from:))
    }

    public func insertBlobObject(_ record: BlobObjectRecord) async throws -> BlobObjectRecord {
        // One statement: the inserted row, or (on a conflict, when the insert returns nothing) the existing one.
        try await rows(
            """
            WITH inserted AS (
                INSERT INTO blob_objects(digest, key, size, created_at)
                VALUES (\(record.digest.description), \(record.key), \(record.size), \(record.createdAt.timeIntervalSince1970))
                ON CONFLICT(digest) DO NOTHING RETURNING \(unescaped: Self.blobObjectColumns))
            SELECT \(unescaped: Self.blobObjectColumns) FROM inserted
            UNION ALL SELECT \(unescaped: Self.blobObjectColumns) FROM blob_objects WHERE digest = \(record.digest.description)
            LIMIT 1
            """
        ).first.flatMap(Self.blobObject(from:)) ?? record
    }

    public func isBlobObject(key: String) async throws -> Bool {
        try await value("SELECT EXISTS(SELECT 1 FROM blob_objects WHERE key = \(key))", as: Bool.self) ?? false
    }

    public func blobObjects(after digest: Digest?, limit: Int) async throws -> [BlobObjectRecord] {
        try await rows(
            """
            SELECT \(unescaped: Self.blobObjectColumns) FROM blob_objects WHERE digest > \(digest?.description ?? "")
            ORDER BY digest LIMIT \(limit)
            """
        ).compactMap(Self.blobObject(from:))
    }

    public func setBlobObjectRemoving(_ digest: Digest, _ removing: Bool) async throws -> Bool {
        try await !rows(
            """
            UPDATE blob_objects SET removing = \(removing) WHERE digest = \(digest.description) AND removing = \(!removing)
            RETURNING digest
            """
        ).isEmpty
    }

    public func deleteBlobObject(_ digest: Digest) async throws {
        try await execute("DELETE FROM blob_objects WHERE digest = \(digest.description)")
    }

    public func objectUpload(_ id: UploadID) async throws -> ObjectUploadState? {
        try await value("SELECT state FROM object_uploads WHERE id = \(id.value)", as: String.self).map(ObjectUploadState.init(json:))
    }

    public func insertObjectUpload(_ state: ObjectUploadState) async throws {
        let inserted = try await rows(
            """
            INSERT INTO object_uploads(id, version, state) VALUES (\(state.id.value), \(state.version), \(try state.json()))
            ON CONFLICT(id) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw StoreError(.conflict, "upload \(state.id) already exists") }
    }

    public func replaceObjectUpload(_ state: ObjectUploadState) async throws -> Bool {
        try await !rows(
            """
            UPDATE object_uploads SET version = \(state.version), state = \(try state.json())
            WHERE id = \(state.id.value) AND version = \(state.version - 1) RETURNING id
            """
        ).isEmpty
    }

    public func deleteObjectUpload(_ id: UploadID) async throws {
        try await execute("DELETE FROM object_uploads WHERE id = \(id.value)")
    }

    public func objectUploadIDs() async throws -> [UploadID] {
        try await rows("SELECT id FROM object_uploads ORDER BY id").compactMap { try? UploadID(parsing: try $0.decode(String.self)) }
    }

    static func blobObject(from row: PostgresRow) -> BlobObjectRecord? {
        guard let (digest, key, size, createdAt) = try? row.decode((String, String, Int64, Double).self),
            let digest = try? Digest(parsing: digest)
        else { return nil }
        return BlobObjectRecord(digest: digest, key: key, size: size, createdAt: Date(timeIntervalSince1970: createdAt))
    }
}
