import AegisCore
import Foundation

/// One charge: a ledger row, appended once and never updated.
public struct GasCharge: Sendable, Hashable, Codable {
    public var time: Date
    public var tenant: String
    public var principal: String
    public var operation: String
    public var repository: String?
    public var requestID: String
    public var gas: UInt64
    /// Price per gas (in nano-credits) when charged.
    public var price: UInt64
    /// The schedule version the gas was computed with.
    public var schedule: String
    /// Whether the request ran out of gas (charged all the same).
    public var outOfGas: Bool

    public init(
        time: Date, tenant: String, principal: String, operation: String, repository: String?, requestID: String, gas: UInt64,
        price: UInt64, schedule: String, outOfGas: Bool
    ) {
        self.time = time
        self.tenant = tenant
        self.principal = principal
        self.operation = operation
        self.repository = repository
        self.requestID = requestID
        self.gas = gas
        self.price = price
        self.schedule = schedule
        self.outOfGas = outOfGas
    }

    /// `gas × price`.
    public var amount: UInt64 { gas.multipliedReportingOverflow(by: price).partialValue }
}

/// The append-only gas ledger and each tenant's budget.
public protocol GasLedgerStore: Sendable {
    /// Appends charges in one transaction.
    func appendCharges(_ charges: [GasCharge]) async throws
    /// Gas charged to a tenant since `date`.
    func gasUsed(by tenant: TenantID, since date: Date) async throws -> UInt64
    /// Gas charged per tenant in `[from, to)` (a cluster's fee-market interval).
    func gasUsedByTenant(from: Date, to: Date) async throws -> [TenantID: UInt64]
    /// Charges of a tenant in `[from, to)`, oldest first.
    func charges(of tenant: TenantID, from: Date, to: Date) async throws -> [GasCharge]
    /// The tenant's gas budget per billing period; nil means the configured default.
    func gasBudget(of tenant: TenantID) async throws -> UInt64?
    /// The most the tenant will pay per gas for deferrable work; nil means no limit.
    func maxGasPrice(of tenant: TenantID) async throws -> UInt64?
    /// Records the base fee that ended an interval, and the gas used in it.
    func appendPrice(_ point: GasPricePoint) async throws
    /// Recent prices, newest first.
    func prices(limit: Int) async throws -> [GasPricePoint]
    /// Deletes prices older than `date`.
    func prunePrices(olderThan date: Date) async throws
}

/// The base fee after one fee-market interval.
public struct GasPricePoint: Sendable, Hashable, Codable {
    public var time: Date
    public var baseFee: UInt64
    public var gasUsed: UInt64

    public init(time: Date, baseFee: UInt64, gasUsed: UInt64) {
        self.time = time
        self.baseFee = baseFee
        self.gasUsed = gasUsed
    }
}
