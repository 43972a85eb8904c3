import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// A tenant's energy and emissions: the report of a month, and the raw ledger rows.
public struct CarbonOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization

    /// Rows an export reads per query.
    public static let exportPage = 1000

    /// The tenant's carbon report for a month (`YYYY-MM`, default the current one): auditors and owners.
    public func report(of tenant: TenantID, period: String?, _ caller: Caller) async throws -> CarbonReport {
        try await authorization.require(.readAudit, in: tenant, caller)
        return try await Self.report(of: tenant, period: period, store: store)
    }

    /// A report straight from the ledger (also for `aegisguard carbon report`, which needs no server).
    public static func report(of tenant: TenantID, period: String?, store: any CarbonLedgerStore) async throws -> CarbonReport {
        let (period, bounds) = try Self.bounds(period)
        let lines = try await store.carbonLines(of: tenant, from: bounds.start, to: bounds.end)
        return CarbonReport(tenant: tenant.value, period: period, lines: lines)
    }

    /// The tenants with the highest emissions per pull in a month (system administrators).
    public func tenantHotspots(period: String?, _ caller: Caller) async throws -> (period: String, tenants: [CarbonReport.TenantHotspot]) {
        try authorization.requireSystemAdmin(caller, action: "readCarbonHotspots")
        let (period, bounds) = try Self.bounds(period)
        return (period, CarbonReport.tenantHotspots(try await store.carbonLinesByTenant(from: bounds.start, to: bounds.end)))
    }

    /// The bounds an export reads, once the caller may read them.
    public func exportBounds(of tenant: TenantID, period: String?, _ caller: Caller) async throws -> (start: Date, end: Date) {
        try await authorization.require(.readAudit, in: tenant, caller)
        return try Self.bounds(period).bounds
    }

    /// Calls `body` with each page of the tenant's rows in `[bounds)`, oldest first.
    public static func pages(
        of tenant: TenantID, in bounds: (start: Date, end: Date), store: any CarbonLedgerStore,
        _ body: ([(id: Int64, charge: CarbonCharge)]) async throws -> Void
    ) async throws {
        var after: Int64 = 0
        while true {
            let page = try await store.carbonCharges(of: tenant, from: bounds.start, to: bounds.end, after: after, limit: exportPage)
            guard let last = page.last else { return }
            try await body(page)
            after = last.id
            if page.count < exportPage { return }
        }
    }

    /// `YYYY-MM` (default: this month) and its bounds.
    static func bounds(_ period: String?) throws -> (period: String, bounds: (start: Date, end: Date)) {
        let period = period ?? Invoice.period(of: Date())
        guard let bounds = Invoice.bounds(of: period) else { throw OperationError.invalid("period must be YYYY-MM") }
        return (period, bounds)
    }
}
