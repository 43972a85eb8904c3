import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func blobObject(_ digest: Digest) async throws -> BlobObjectRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM blob_objects WHERE digest = ? AND removing = 0"), arguments: [digest.description]
            ).flatMap(Self.blobObject(from:))
        }
    }

    public func insertBlobObject(_ record: BlobObjectRecord) async throws -> BlobObjectRecord {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO blob_objects(digest, key, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING",
                arguments: [record.digest.description, record.key, record.size, record.createdAt.timeIntervalSince1970])
            return try Row.fetchOne(db, sql: "SELECT * FROM blob_objects WHERE digest = ?", arguments: [record.digest.description])
                .flatMap(Self.blobObject(from:)) ?? record
        }
    }

    public func isBlobObject(key: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM blob_objects WHERE key = ?)", arguments: [key]) ?? false
        }
    }

    public func blobObjects(after digest: Digest?, limit: Int) async throws -> [BlobObjectRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM blob_objects WHERE digest > ? ORDER BY digest LIMIT ?", arguments: [digest?.description ?? "", limit]
            ).compactMap(Self.blobObject(from:))
        }
    }

    public func setBlobObjectRemoving(_ digest: Digest, _ removing: Bool) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE blob_objects SET removing = ? WHERE digest = ? AND removing = ?",
                arguments: [removing, digest.description, !removing])
            return db.changesCount > 0
        }
    }

    public func deleteBlobObject(_ digest: Digest) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM blob_objects WHERE digest = ?", arguments: [digest.description]) }
    }

    public func objectUpload(_ id: UploadID) async throws -> ObjectUploadState? {
        let text = try await pool.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM object_uploads WHERE id = ?"), arguments: [id.value])
        }
        return try text.map(ObjectUploadState.init(json:))
    }

    public func insertObjectUpload(_ state: ObjectUploadState) async throws {
        let json = try state.json()
        try await pool.write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO object_uploads(id, version, state) VALUES (?, ?, ?)", arguments: [state.id.value, state.version, json])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.conflict, "upload \(state.id) already exists")
            }
        }
    }

    public func replaceObjectUpload(_ state: ObjectUploadState) async throws -> Bool {
        let json = try state.json()
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE object_uploads SET version = ?, state = ? WHERE id = ? AND version = ?",
                arguments: [state.version, json, state.id.value, state.version - 1])
            return db.changesCount > 0
        }
    }

    public func deleteObjectUpload(_ id: UploadID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM object_uploads WHERE id = ?", arguments: [id.value]) }
    }

    public func objectUploadIDs() async throws -> [UploadID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM object_uploads ORDER BY id").compactMap { try? UploadID(parsing: $0) }
        }
    }

    static func blobObject(from row: Row) -> BlobObjectRecord? {
        guard let digest = try? Digest(parsing: row["digest"] as String) else { return nil }
        return BlobObjectRecord(digest: digest, key: row["key"], size: row["size"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
