import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresTransaction {
    func setGasBudget(_ budget: UInt64?, of tenant: TenantID) throws {
        guard try execute("UPDATE tenants SET gas_budget = \(budget.map { Int64(clamping: $0) }) WHERE name = \(tenant.value)") > 0 else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func setMaxGasPrice(_ price: UInt64?, of tenant: TenantID) throws {
        guard try execute("UPDATE tenants SET max_gas_price = \(price.map { Int64(clamping: $0) }) WHERE name = \(tenant.value)") > 0 else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func immutableTagPatterns(of tenant: TenantID) throws -> [TagPattern] {
        TagPatterns.decode(try value("SELECT immutable_tags FROM tenants WHERE name = \(tenant.value)", as: String.self))
    }

    func setImmutableTagPatterns(_ patterns: [TagPattern], of tenant: TenantID) throws {
        guard try execute("UPDATE tenants SET immutable_tags = \(try TagPatterns.encode(patterns)) WHERE name = \(tenant.value)") > 0 else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func retentionPolicy(of tenant: TenantID) throws -> RetentionPolicy? {
        RetentionPolicies.decode(try value("SELECT retention FROM tenants WHERE name = \(tenant.value)", as: String.self))
    }

    func setRetentionPolicy(_ policy: RetentionPolicy?, of tenant: TenantID) throws {
        guard try execute("UPDATE tenants SET retention = \(try RetentionPolicies.encode(policy)) WHERE name = \(tenant.value)") > 0 else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func insertRuns(_ runs: [RunRecord]) throws {
        for run in runs {
            try execute(
                """
                INSERT INTO runs(time, tenant, principal, request_id, repository, digest, component, trigger, status, exit_code,
                                 gas_used, fuel_used, duration_ms)
                VALUES (\(run.time.timeIntervalSince1970), \(run.tenant), \(run.principal), \(run.requestID), \(run.repository),
                        \(run.digest), \(run.component), \(run.trigger), \(run.status), \(run.exitCode), \(Int64(clamping: run.gasUsed)),
                        \(Int64(clamping: run.fuelUsed)), \(run.durationMs))
                """)
        }
    }

    func putApp(_ app: AppRecord) throws {
        try execute(
            """
            INSERT INTO apps(tenant, name, repository, digest, public, deployed_by, deployed_at)
            VALUES (\(app.tenant), \(app.name), \(app.repository), \(app.digest), \(app.isPublic), \(app.deployedBy),
                    \(app.deployedAt.timeIntervalSince1970))
            ON CONFLICT(tenant, name) DO UPDATE SET repository = excluded.repository, digest = excluded.digest,
                public = excluded.public, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at
            """)
    }

    func app(_ name: String, of tenant: TenantID) throws -> AppRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.appColumns) FROM apps WHERE tenant = \(tenant.value) AND name = \(name)").first
            .map(PostgresMetadataStore.app(from:))
    }

    func deleteApp(_ name: String, of tenant: TenantID) throws -> Bool {
        try execute("DELETE FROM apps WHERE tenant = \(tenant.value) AND name = \(name)") > 0
    }
}
