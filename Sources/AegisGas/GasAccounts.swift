import AegisCore
import AegisStore
import Foundation
import Synchronization

/// Each tenant's gas budget for the current billing period (a calendar month, UTC), kept in memory
/// so that every request can be checked without a query: loaded from the ledger on first use,
/// then moved by reservations and settlements.
///
/// A request reserves what can be known up front (intrinsic gas plus a declared `Content-Length`);
/// it may use more while streaming, up to its own gas limit. So a tenant is never charged past its
/// budget by more than the gas limits of the requests in flight when the budget ran out.
///
/// When nodes share the store (`ClusterStore.isShared`), a budgeted tenant's balance lives in the
/// store instead: each reservation is one atomic `UPDATE … RETURNING` there, so the budget holds
/// exactly across nodes, and settlements are written in batches by `flush` (every 100 ms). Until a
/// batch is written its reservations still count, so a delay only ever refuses early, never lets a
/// request past the budget.
public final class GasAccounts: Sendable {
    private struct Account {
        var period: Date
        var used: UInt64
        var reserved: UInt64
        var budget: UInt64?
        var maxPrice: UInt64?
        /// When the budget was last read from the store (changes made elsewhere show within a minute).
        var budgetReadAt: Date
        /// Whether this node opened the tenant's shared balance for the period.
        var balanceOpen = false
    }

    /// A reservation to settle.
    public struct Reservation: Sendable {
        let tenant: TenantID
        let gas: UInt64
        let period: Date
        /// Whether it was made in the shared store (and is settled there).
        var shared = false
    }

    /// The registry's own account: what no tenant pays for (refused and unauthenticated requests,
    /// registry-wide API calls). Not a valid tenant name, so it never collides with one.
    public static let registry = TenantID(unchecked: "_registry")

    private let store: any GasLedgerStore
    /// The shared balances, when nodes share the store.
    private let shared: (any ClusterStore)?
    /// Settlements waiting for `flush`, per tenant and period.
    private let unsettled = Mutex<[BalanceKey: GasSettlement]>([:])

    private struct BalanceKey: Hashable {
        var tenant: TenantID
        var period: Date
    }
    private let defaultBudget: UInt64?
    private let accounts = Mutex<[TenantID: Account]>([:])
    /// Gas settled per tenant since the last `drainIntervalUsage` (for rate statistics).
    private let interval = Mutex<[TenantID: UInt64]>([:])

    /// Creates the accounts.
    /// - Parameters:
    ///   - defaultBudget: For tenants without their own; nil is unlimited.
    ///   - shared: Where budgeted balances live when several nodes share the store; nil keeps them in memory.
    public init(store: any GasLedgerStore, defaultBudget: UInt64?, shared: (any ClusterStore)? = nil) {
        self.store = store
        self.defaultBudget = defaultBudget
        self.shared = shared
    }

    /// The current period's bounds, recomputed only when a date falls outside them (every request
    /// asks; a calendar computation each time would be the most expensive part of metering).
    private static let currentPeriod = Mutex<(start: Date, end: Date)>((.distantFuture, .distantPast))

    /// The first instant of the billing period containing `date`.
    public static func period(of date: Date) -> Date {
        let cached = currentPeriod.withLock { $0 }
        if date >= cached.start, date < cached.end { return cached.start }
        let start = computePeriod(of: date)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let end = calendar.date(byAdding: .month, value: 1, to: start) ?? start
        currentPeriod.withLock { $0 = (start, end) }
        return start
    }

    private static func computePeriod(of date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
    }

    /// Reserves `gas` of the tenant's budget.
    /// - Throws: `DENIED` with reason `budget_exhausted` when the budget cannot cover it.
    public func reserve(_ gas: UInt64, for tenant: TenantID, now: Date = Date()) async throws -> Reservation {
        let period = Self.period(of: now)
        let state = accounts.withLock { $0[tenant].map { ($0.period, $0.budgetReadAt) } }
        if state?.0 != period {
            let used = try await store.gasUsed(by: tenant, since: period)
            let budget = try await store.gasBudget(of: tenant) ?? defaultBudget
            let maxPrice = try await store.maxGasPrice(of: tenant)
            accounts.withLock { accounts in
                // Another request may have loaded it meanwhile; the first load wins.
                if accounts[tenant]?.period != period {
                    accounts[tenant] = Account(
                        period: period, used: used, reserved: 0, budget: budget, maxPrice: maxPrice, budgetReadAt: now)
                }
            }
        } else if let readAt = state?.1, now.timeIntervalSince(readAt) > 60 {
            let budget = try await store.gasBudget(of: tenant) ?? defaultBudget
            let maxPrice = try await store.maxGasPrice(of: tenant)
            accounts.withLock { accounts in
                accounts[tenant]?.budget = budget
                accounts[tenant]?.maxPrice = maxPrice
                accounts[tenant]?.budgetReadAt = now
            }
        }
        if let shared, let (budget, open) = accounts.withLock({ $0[tenant].flatMap { a in a.budget.map { ($0, a.balanceOpen) } } }) {
            return try await reserveShared(gas, for: tenant, period: period, budget: budget, open: open, in: shared)
        }
        let refusal = accounts.withLock { accounts -> (UInt64, UInt64)? in
            guard var account = accounts[tenant] else { return nil }
            if let budget = account.budget, account.used + account.reserved + gas > budget {
                return (budget, account.used)
            }
            account.reserved += gas
            accounts[tenant] = account
            return nil
        }
        if let (budget, used) = refusal { throw Self.exhausted(budget: budget, used: used) }
        return Reservation(tenant: tenant, gas: gas, period: period)
    }

    /// Reserves in the shared balance, opening it first (from the ledger's total) on this node's first use.
    private func reserveShared(
        _ gas: UInt64, for tenant: TenantID, period: Date, budget: UInt64, open: Bool, in shared: any ClusterStore
    ) async throws -> Reservation {
        if !open {
            try await shared.openGasBalance(of: tenant, period: period, used: try await store.gasUsed(by: tenant, since: period))
            accounts.withLock { $0[tenant]?.balanceOpen = true }
        }
        guard let balance = try await shared.reserveGas(gas, of: tenant, period: period, budget: budget) else {
            let used = try await shared.gasBalance(of: tenant, period: period)?.used ?? 0
            accounts.withLock { $0[tenant]?.used = used }
            throw Self.exhausted(budget: budget, used: used)
        }
        accounts.withLock { $0[tenant]?.used = balance.used }
        return Reservation(tenant: tenant, gas: gas, period: period, shared: true)
    }

    private static func exhausted(budget: UInt64, used: UInt64) -> RegistryError {
        RegistryError(
            .denied, "the tenant's gas budget for this period is exhausted",
            detail: ["reason": "budget_exhausted", "budget": String(budget), "used": String(used)])
    }

    /// Writes the settlements made since the last call to the shared balances (kept for the next
    /// call when the store fails). Without shared balances there is nothing to write.
    public func flush() async {
        guard let shared else { return }
        let batch = unsettled.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return Array(pending.values)
        }
        guard !batch.isEmpty else { return }
        do {
            try await shared.settleGas(batch)
        } catch {
            for settlement in batch { queue(settlement) }
        }
    }

    private func queue(_ settlement: GasSettlement) {
        unsettled.withLock { pending in
            let key = BalanceKey(tenant: settlement.tenant, period: settlement.period)
            guard var merged = pending[key] else {
                pending[key] = settlement
                return
            }
            merged.released = merged.released.addingReportingOverflow(settlement.released).partialValue
            merged.used = merged.used.addingReportingOverflow(settlement.used).partialValue
            pending[key] = merged
        }
    }

    /// The tenant's maximum price per gas for deferrable work, as last read (after a reservation).
    public func maxPrice(of tenant: TenantID) -> UInt64? {
        accounts.withLock { $0[tenant]?.maxPrice }
    }

    /// Gas used per tenant since the last call.
    public func drainIntervalUsage() -> [TenantID: UInt64] {
        interval.withLock { usage in
            defer { usage.removeAll(keepingCapacity: true) }
            return usage
        }
    }

    /// Replaces a reservation by the gas actually used.
    public func settle(_ reservation: Reservation, used: UInt64) {
        interval.withLock { $0[reservation.tenant, default: 0] += used }
        if reservation.shared {
            queue(GasSettlement(tenant: reservation.tenant, period: reservation.period, released: reservation.gas, used: used))
        }
        accounts.withLock { accounts in
            guard var account = accounts[reservation.tenant], account.period == reservation.period else { return }
            account.reserved -= min(account.reserved, reservation.gas)
            account.used += used
            accounts[reservation.tenant] = account
        }
    }

    /// Charges gas used without a reservation (a request refused before it reserved).
    public func record(_ used: UInt64, for tenant: TenantID, now: Date = Date()) {
        interval.withLock { $0[tenant, default: 0] += used }
        // Shared balances count every charge, from whichever node (storage accrual runs on one);
        // a balance not open yet reads it from the ledger when it opens.
        if shared != nil, tenant != Self.registry, used > 0 {
            queue(GasSettlement(tenant: tenant, period: Self.period(of: now), released: 0, used: used))
        }
        accounts.withLock { accounts in
            guard var account = accounts[tenant], account.period == Self.period(of: now) else { return }
            account.used += used
            accounts[tenant] = account
        }
    }

    /// Forgets a tenant's cached budget (after it changed).
    public func forget(_ tenant: TenantID) {
        _ = accounts.withLock { $0.removeValue(forKey: tenant) }
    }

    /// Used and budget of the current period, as known in memory (nil before first use).
    public func snapshot(_ tenant: TenantID) -> (used: UInt64, reserved: UInt64, budget: UInt64?)? {
        accounts.withLock { $0[tenant].map { ($0.used, $0.reserved, $0.budget) } }
    }
}
