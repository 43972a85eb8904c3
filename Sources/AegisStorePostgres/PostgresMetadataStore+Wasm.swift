import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let appColumns = "tenant, name, repository, digest, public, deployed_by, deployed_at"

    public func runs(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [RunRecord] {
        try await rows(
            """
            SELECT id, time, tenant, principal, request_id, repository, digest, component, trigger, status, exit_code,
                   gas_used, fuel_used, duration_ms
            FROM runs WHERE tenant = \(tenant.value) AND id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)
            """
        ).map { row in
            let (id, time, tenant, principal, requestID, repository, digest, component, trigger, status, exitCode, gas, fuel, duration) =
                try row.decode((Int64, Double, String, String, String, String, String, String?, String, String, Int32?, Int64, Int64, Double).self)
            var run = RunRecord(
                time: Date(timeIntervalSince1970: time), tenant: tenant, principal: principal, requestID: requestID,
                repository: repository, digest: digest, component: component, trigger: trigger, status: status, exitCode: exitCode,
                gasUsed: UInt64(clamping: gas), fuelUsed: UInt64(clamping: fuel), durationMs: duration)
            run.id = id
            return run
        }
    }

    public func app(_ name: String, of tenant: TenantID) async throws -> AppRecord? {
        try await rows("SELECT \(unescaped: Self.appColumns) FROM apps WHERE tenant = \(tenant.value) AND name = \(name)").first
            .map(Self.app(from:))
    }

    public func apps(of tenant: TenantID) async throws -> [AppRecord] {
        try await rows("SELECT \(unescaped: Self.appColumns) FROM apps WHERE tenant = \(tenant.value) ORDER BY name").map(Self.app(from:))
    }

    static func app(from row: PostgresRow) throws -> AppRecord {
        let (tenant, name, repository, digest, isPublic, deployedBy, deployedAt) = try row.decode(
            (String, String, String, String, Bool, String, Double).self)
        return AppRecord(
            tenant: tenant, name: name, repository: repository, digest: digest, isPublic: isPublic, deployedBy: deployedBy,
            deployedAt: Date(timeIntervalSince1970: deployedAt))
    }
}
