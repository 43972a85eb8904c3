import AegisCore
import AegisStore
import Foundation

extension Registry {
    /// Reconciles each tenant's shared gas balance for `period` (kept where nodes share the store)
    /// with the gas ledger, which is the record: a balance's `used` must equal the ledger's sum
    /// since the period began.
    ///
    /// Both sides trail the requests by a batch (settlements every 100 ms, ledger rows every
    /// 250 ms), so a running registry disagrees with itself for a moment. A tenant is reported only
    /// when it disagrees by the same amount in two readings `settle` apart; a tenant under steady
    /// load usually differs between readings and is left for a quieter run.
    ///
    /// - `gas_balance`: `used` differs from the ledger. Repaired by moving `used` by the difference
    ///   (a delta, so settlements written meanwhile still count).
    /// - `gas_reserved`: gas stays reserved with no change, as the requests of a node that stopped
    ///   mid-request leave it; it lowers the budget until the period ends. Reported only: a request
    ///   in flight may hold the same amount.
    func checkGasBalances(period: Date, settle: Duration, repair: Bool) async throws -> [CheckReport.Problem] {
        let first = try await gasDisagreements(period: period)
        guard !first.isEmpty else { return [] }
        try await Task.sleep(for: settle)
        let second = try await gasDisagreements(period: period)
        var problems: [CheckReport.Problem] = []
        for (tenant, reading) in first.sorted(by: { $0.key.value < $1.key.value }) where second[tenant] == reading {
            if reading.ledger != reading.balance.used {
                let delta = Int64(clamping: reading.ledger) - Int64(clamping: reading.balance.used)
                if repair { try await metadata.adjustGasBalance(of: tenant, period: period, by: delta) }
                problems.append(
                    .init(
                        kind: "gas_balance", subject: "tenant:\(tenant)",
                        detail: "the balance counts \(reading.balance.used) gas used this period, the ledger \(reading.ledger)",
                        repaired: repair))
            }
            if reading.balance.reserved > 0 {
                problems.append(
                    .init(
                        kind: "gas_reserved", subject: "tenant:\(tenant)",
                        detail: "\(reading.balance.reserved) gas stays reserved with no request settling it", repaired: false))
            }
        }
        return problems
    }

    private struct GasReading: Equatable {
        var balance: GasBalance
        var ledger: UInt64
    }

    /// The balances that disagree with the ledger or hold a reservation, with the ledger's sum.
    private func gasDisagreements(period: Date) async throws -> [TenantID: GasReading] {
        let balances = try await metadata.gasBalances(period: period)
        guard !balances.isEmpty else { return [:] }
        let ledger = try await metadata.gasUsedByTenant(from: period, to: .distantFuture)
        return balances.reduce(into: [:]) { readings, entry in
            let reading = GasReading(balance: entry.value, ledger: ledger[entry.key] ?? 0)
            if reading.ledger != reading.balance.used || reading.balance.reserved > 0 { readings[entry.key] = reading }
        }
    }
}
