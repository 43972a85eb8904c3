import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    /// The tenant's runs, newest first, below `before` (an id) when given.
    public func runs(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [RunRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE tenant = ? AND id < ? ORDER BY id DESC LIMIT ?",
                arguments: [tenant.value, before ?? Int64.max, limit]
            ).map { row in
                var run = RunRecord(
                    time: Date(timeIntervalSince1970: row["time"]), tenant: row["tenant"], principal: row["principal"],
                    requestID: row["request_id"], repository: row["repository"], digest: row["digest"], component: row["component"],
                    trigger: row["trigger"], status: row["status"], exitCode: row["exit_code"],
                    gasUsed: UInt64(clamping: row["gas_used"] as Int64), fuelUsed: UInt64(clamping: row["fuel_used"] as Int64),
                    durationMs: row["duration_ms"])
                run.id = row["id"]
                return run
            }
        }
    }

    public func app(_ name: String, of tenant: TenantID) async throws -> AppRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM apps WHERE tenant = ? AND name = ?"), arguments: [tenant.value, name]
            ).map(Self.app(from:))
        }
    }

    public func apps(of tenant: TenantID) async throws -> [AppRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM apps WHERE tenant = ? ORDER BY name", arguments: [tenant.value]).map(Self.app(from:))
        }
    }

    static func app(from row: Row) -> AppRecord {
        AppRecord(
            tenant: row["tenant"], name: row["name"], repository: row["repository"], digest: row["digest"], isPublic: row["public"],
            deployedBy: row["deployed_by"], deployedAt: Date(timeIntervalSince1970: row["deployed_at"]))
    }
}
