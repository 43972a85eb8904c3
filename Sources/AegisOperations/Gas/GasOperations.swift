import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// Budgets, maximum prices, the fee history and invoices.
public struct GasOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let metering: Metering

    /// The gas schedule in force (any authenticated caller).
    public func schedule(_ caller: Caller) throws -> GasSchedule {
        try authorization.requireAuthenticated(caller)
        return metering.schedule
    }

    /// The base fee now, and at the end of past intervals, newest first.
    public func prices(limit: Int, _ caller: Caller) async throws -> (current: UInt64, history: [GasPricePoint]) {
        try authorization.requireAuthenticated(caller)
        return (metering.feeMarket.baseFee, try await store.prices(limit: limit))
    }

    /// Sets (nil: removes) the highest base fee at which the tenant's deferrable work runs (owners).
    public func setMaxPrice(_ price: Int64?, of tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageTenant, in: tenant, caller)
        if let price, price < 0 { throw OperationError.invalid("maxPrice must not be negative") }
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setMaxGasPrice(price.map { UInt64($0) }, of: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .maxPriceChanged, subject: "tenant:\(tenant)",
                        payload: ["maxPrice": price.map { .integer($0) } ?? .null], time: tx.now))
            }
        }
        metering.accounts.forget(tenant)
    }

    /// Sets (nil: removes, so the default applies) the tenant's monthly budget (system administrators).
    public func setBudget(_ budget: Int64?, of tenant: TenantID, _ caller: Caller) async throws {
        try authorization.requireSystemAdmin(caller, action: "setGasBudget")
        if let budget, budget <= 0 { throw OperationError.invalid("budget must be positive (remove it instead)") }
        try await OperationError.translating {
            try await store.transaction { tx in
                try tx.setGasBudget(budget.map { UInt64($0) }, of: tenant)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .budgetChanged, subject: "tenant:\(tenant)", payload: ["budget": budget.map { .integer($0) } ?? .null],
                        time: tx.now))
            }
        }
        metering.accounts.forget(tenant)
    }

    /// The tenant's invoice for a month (`YYYY-MM`, default the current one): auditors and owners.
    public func invoice(of tenant: TenantID, period: String?, _ caller: Caller) async throws -> Invoice {
        try await authorization.require(.readAudit, in: tenant, caller)
        return try await Self.invoice(of: tenant, period: period, store: store, defaultBudget: metering.settings.defaultBudget)
    }

    /// An invoice straight from the ledger (also for `aegisguard billing`, which needs no server).
    public static func invoice(of tenant: TenantID, period: String?, store: any GasLedgerStore, defaultBudget: UInt64?) async throws -> Invoice {
        let period = period ?? Invoice.period(of: Date())
        guard let bounds = Invoice.bounds(of: period) else { throw OperationError.invalid("period must be YYYY-MM") }
        let charges = try await store.charges(of: tenant, from: bounds.start, to: bounds.end)
        let budget = try await store.gasBudget(of: tenant) ?? defaultBudget
        return Invoice(tenant: tenant.value, period: period, charges: charges, budget: budget)
    }
}
