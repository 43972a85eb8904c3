import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteTransaction {
    func setGasBudget(_ budget: UInt64?, of tenant: TenantID) throws {
        try setSetting("gas_budget", to: budget, of: tenant)
    }

    func setMaxGasPrice(_ price: UInt64?, of tenant: TenantID) throws {
        try setSetting("max_gas_price", to: price, of: tenant)
    }

    /// `column` is one of this file's literals, never input.
    private func setSetting(_ column: StaticString, to value: UInt64?, of tenant: TenantID) throws {
        try db.execute(sql: "UPDATE tenants SET \(column) = ? WHERE name = ?", arguments: [value.map { Int64(clamping: $0) }, tenant.value])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "tenant '\(tenant)' does not exist") }
    }

    func immutableTagPatterns(of tenant: TenantID) throws -> [TagPattern] {
        let json = try String.fetchOne(db.cachedStatement(sql: "SELECT immutable_tags FROM tenants WHERE name = ?"), arguments: [tenant.value])
        return TagPatterns.decode(json)
    }

    func setImmutableTagPatterns(_ patterns: [TagPattern], of tenant: TenantID) throws {
        try db.execute(sql: "UPDATE tenants SET immutable_tags = ? WHERE name = ?", arguments: [try TagPatterns.encode(patterns), tenant.value])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "tenant '\(tenant)' does not exist") }
    }

    func retentionPolicy(of tenant: TenantID) throws -> RetentionPolicy? {
        RetentionPolicies.decode(
            try String.fetchOne(db.cachedStatement(sql: "SELECT retention FROM tenants WHERE name = ?"), arguments: [tenant.value]))
    }

    func setRetentionPolicy(_ policy: RetentionPolicy?, of tenant: TenantID) throws {
        try db.execute(sql: "UPDATE tenants SET retention = ? WHERE name = ?", arguments: [try RetentionPolicies.encode(policy), tenant.value])
        guard db.changesCount > 0 else { throw StoreError(.notFound, "tenant '\(tenant)' does not exist") }
    }

    func insertRuns(_ runs: [RunRecord]) throws {
        guard !runs.isEmpty else { return }
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

    func putApp(_ app: AppRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO apps(tenant, name, repository, digest, public, deployed_by, deployed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(tenant, name) DO UPDATE SET repository = excluded.repository, digest = excluded.digest,
                    public = excluded.public, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at
                """,
            arguments: [app.tenant, app.name, app.repository, app.digest, app.isPublic, app.deployedBy, app.deployedAt.timeIntervalSince1970])
    }

    func app(_ name: String, of tenant: TenantID) throws -> AppRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM apps WHERE tenant = ? AND name = ?"), arguments: [tenant.value, name])
            .map(SQLiteMetadataStore.app(from:))
    }

    func deleteApp(_ name: String, of tenant: TenantID) throws -> Bool {
        try db.execute(sql: "DELETE FROM apps WHERE tenant = ? AND name = ?", arguments: [tenant.value, name])
        return db.changesCount > 0
    }
}
