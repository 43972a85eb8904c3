import AegisCore
import AegisGas
import AegisStore
import Foundation

/// What one request or job used, as settled: the unit every ledger row, bill line and metric is
/// made from. It carries gas today; energy and CO2e (the carbon issue) become fields here, so
/// adding them changes this type and `Metering.settle`, not the surfaces.
public struct UsageRecord: Sendable, Hashable {
    public var time: Date
    /// Who pays: the tenant, or the registry's own account `_registry`.
    public var tenant: TenantID
    public var principal: String
    public var operation: GasOperation
    public var repository: String?
    public var requestID: String
    public var gasUsed: UInt64
    public var gasLimit: UInt64
    /// The base fee the request paid per gas.
    public var price: UInt64
    /// The schedule version that priced it.
    public var schedule: String
    /// Whether it ran out of gas.
    public var outOfGas: Bool

    /// The ledger row.
    public var charge: GasCharge {
        GasCharge(
            time: time, tenant: tenant.value, principal: principal, operation: operation.rawValue, repository: repository,
            requestID: requestID, gas: gasUsed, price: price, schedule: schedule, outOfGas: outOfGas)
    }
}

/// Where settled usage is observed besides the ledger (Prometheus).
public protocol UsageObserver: Sendable {
    /// A settled record; `remaining` is what is left of the payer's budget, if it has one.
    func observe(_ usage: UsageRecord, remaining: UInt64?)
    /// A finished WASM run.
    func observe(_ run: RunRecord, duration: Duration)
    /// A tenant's gas in one fee interval was anomalous.
    func observeAnomaly(tenant: TenantID)
}

/// Observes nothing (the CLI, which exports no metrics).
public struct NoUsageObserver: UsageObserver {
    public init() {}
    public func observe(_ usage: UsageRecord, remaining: UInt64?) {}
    public func observe(_ run: RunRecord, duration: Duration) {}
    public func observeAnomaly(tenant: TenantID) {}
}
