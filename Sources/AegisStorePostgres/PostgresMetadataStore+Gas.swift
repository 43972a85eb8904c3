import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    /// Appends a batch of charges in one statement: the ledger takes a row per request, so a batch
    /// is one round trip, an array per column unnested into rows.
    public func appendCharges(_ charges: [GasCharge]) async throws {
        guard !charges.isEmpty else { return }
        try await execute(
            """
            INSERT INTO gas_ledger(time, tenant, principal, operation, repository, request_id, gas, price, schedule, out_of_gas)
            SELECT time, tenant, principal, operation, CASE WHEN no_repository THEN NULL ELSE repository END, request_id, gas, price,
                   schedule, out_of_gas
            FROM unnest(\(charges.map { $0.time.timeIntervalSince1970 })::float8[], \(charges.map(\.tenant))::text[],
                        \(charges.map(\.principal))::text[], \(charges.map(\.operation))::text[],
                        \(charges.map { $0.repository ?? "" })::text[], \(charges.map { $0.repository == nil })::bool[],
                        \(charges.map(\.requestID))::text[], \(charges.map { Int64(clamping: $0.gas) })::int8[],
                        \(charges.map { Int64(clamping: $0.price) })::int8[], \(charges.map(\.schedule))::text[],
                        \(charges.map(\.outOfGas))::bool[])
                 AS c(time, tenant, principal, operation, repository, no_repository, request_id, gas, price, schedule, out_of_gas)
            """)
    }

    public func gasUsedByTenant(from: Date, to: Date) async throws -> [TenantID: UInt64] {
        var used: [TenantID: UInt64] = [:]
        for row in try await rows(
            """
            SELECT tenant, sum(gas)::bigint FROM gas_ledger WHERE time >= \(from.timeIntervalSince1970) AND time < \(to.timeIntervalSince1970)
            GROUP BY tenant
            """)
        {
            let (tenant, gas) = try row.decode((String, Int64).self)
            used[TenantID(unchecked: tenant)] = UInt64(clamping: gas)
        }
        return used
    }

    public func gasUsed(by tenant: TenantID, since date: Date) async throws -> UInt64 {
        UInt64(
            clamping: try await value(
                "SELECT coalesce(sum(gas), 0)::bigint FROM gas_ledger WHERE tenant = \(tenant.value) AND time >= \(date.timeIntervalSince1970)",
                as: Int64.self) ?? 0)
    }

    public func charges(of tenant: TenantID, from: Date, to: Date) async throws -> [GasCharge] {
        try await rows(
            """
            SELECT time, tenant, principal, operation, repository, request_id, gas, price, schedule, out_of_gas FROM gas_ledger
            WHERE tenant = \(tenant.value) AND time >= \(from.timeIntervalSince1970) AND time < \(to.timeIntervalSince1970) ORDER BY id
            """
        ).map { row in
            let (time, tenant, principal, operation, repository, requestID, gas, price, schedule, outOfGas) = try row.decode(
                (Double, String, String, String, String?, String, Int64, Int64, String, Bool).self)
            return GasCharge(
                time: Date(timeIntervalSince1970: time), tenant: tenant, principal: principal, operation: operation,
                repository: repository, requestID: requestID, gas: UInt64(clamping: gas), price: UInt64(clamping: price),
                schedule: schedule, outOfGas: outOfGas)
        }
    }

    public func gasBudget(of tenant: TenantID) async throws -> UInt64? {
        try await value("SELECT gas_budget FROM tenants WHERE name = \(tenant.value)", as: Int64.self).map { UInt64(clamping: $0) }
    }

    public func maxGasPrice(of tenant: TenantID) async throws -> UInt64? {
        try await value("SELECT max_gas_price FROM tenants WHERE name = \(tenant.value)", as: Int64.self).map { UInt64(clamping: $0) }
    }

    public func appendPrice(_ point: GasPricePoint) async throws {
        try await execute(
            """
            INSERT INTO gas_prices(time, base_fee, gas_used)
            VALUES (\(point.time.timeIntervalSince1970), \(Int64(clamping: point.baseFee)), \(Int64(clamping: point.gasUsed)))
            ON CONFLICT(time) DO UPDATE SET base_fee = excluded.base_fee, gas_used = excluded.gas_used
            """)
    }

    public func prices(limit: Int) async throws -> [GasPricePoint] {
        try await rows("SELECT time, base_fee, gas_used FROM gas_prices ORDER BY time DESC LIMIT \(limit)").map { row in
            let (time, baseFee, gasUsed) = try row.decode((Double, Int64, Int64).self)
            return GasPricePoint(
                time: Date(timeIntervalSince1970: time), baseFee: UInt64(clamping: baseFee), gasUsed: UInt64(clamping: gasUsed))
        }
    }

    public func prunePrices(olderThan date: Date) async throws {
        try await execute("DELETE FROM gas_prices WHERE time < \(date.timeIntervalSince1970)")
    }
}
