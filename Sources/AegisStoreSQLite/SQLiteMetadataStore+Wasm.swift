import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    /// Records finished runs, in one transaction.
    public func recordRuns(_ runs: [RunRecord]) async throws {
        guard !runs.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO runs(time, tenant, principal, request_id, repository, digest, component, trigger, status, exit_code,
                                     gas_used, fuel_used, duration_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for run in runs {
                try statement.execute(arguments: [
                    run.time.timeIntervalSince1970, run.tenant, run.principal, run.requestID, run.repository, run.digest, run.component,
                    run.trigger, run.status, run.exitCode, Int64(clamping: run.gasUsed), Int64(clamping: run.fuelUsed), run.durationMs,
                ])
            }
        }
    }

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

    public func putApp(_ app: AppRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO apps(tenant, name, repository, digest, public, deployed_by, deployed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(tenant, name) DO UPDATE SET repository = excluded.repository, digest = excluded.digest,
                        public = excluded.public, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at
                    """,
                arguments: [
                    app.tenant, app.name, app.repository, app.digest, app.isPublic, app.deployedBy, app.deployedAt.timeIntervalSince1970,
                ])
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

    /// - Returns: whether there was such an app.
    public func deleteApp(_ name: String, of tenant: TenantID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM apps WHERE tenant = ? AND name = ?", arguments: [tenant.value, name])
            return db.changesCount > 0
        }
    }

    static func app(from row: Row) -> AppRecord {
        AppRecord(
            tenant: row["tenant"], name: row["name"], repository: row["repository"], digest: row["digest"], isPublic: row["public"],
            deployedBy: row["deployed_by"], deployedAt: Date(timeIntervalSince1970: row["deployed_at"]))
    }
}
