import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// What one request or job used, as settled: the unit every ledger row, bill line and metric is
/// made from. Its gas goes to the gas ledger at once; its bytes and measured CPU go with it to the
/// carbon accountant, which turns them into energy and CO2e at the end of its interval.
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
    /// Body bytes received and sent.
    public var bytesIn: Int64 = 0
    public var bytesOut: Int64 = 0
    /// CPU time measured for its own work (a WASM run's thread), if any was.
    public var cpu: Duration?

    /// The ledger row.
    public var charge: GasCharge {
        GasCharge(
            time: time, tenant: tenant.value, principal: principal, operation: operation.rawValue, repository: repository,
            requestID: requestID, gas: gasUsed, price: price, schedule: schedule, outOfGas: outOfGas)
    }
}

extension UsageRecord {
    /// What the carbon accountant takes of it.
    public var carbonUsage: CarbonUsage {
        CarbonUsage(
            time: time, tenant: tenant.value, principal: principal, operation: operation.rawValue, repository: repository, requestID: requestID,
            gas: gasUsed, bytesIn: bytesIn, bytesOut: bytesOut, cpu: cpu)
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
    /// A carbon ledger row, as written.
    func observe(_ carbon: CarbonCharge)
}

/// Observes nothing (the CLI, which exports no metrics).
public struct NoUsageObserver: UsageObserver {
    public init() {}
    public func observe(_ usage: UsageRecord, remaining: UInt64?) {}
    public func observe(_ run: RunRecord, duration: Duration) {}
    public func observeAnomaly(tenant: TenantID) {}
    public func observe(_ carbon: CarbonCharge) {}
}
