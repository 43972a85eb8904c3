import AegisCore
import AegisStore
import Foundation

/// A tenant's bill for one billing period, built from its ledger rows: lines by repository and
/// operation, totals, and a forecast of when the budget runs out at the period's rate so far.
public struct Invoice: Sendable, Hashable, Codable {
    /// One line: a repository (or none, for registry-wide operations) and an operation.
    public struct Line: Sendable, Hashable, Codable {
        public var repository: String?
        public var operation: String
        public var count: Int
        public var gas: UInt64
        /// Σ gas × price, in nano-credits.
        public var amount: UInt64
    }

    public var tenant: String
    /// `YYYY-MM`.
    public var period: String
    public var lines: [Line]
    public var totalGas: UInt64
    public var totalAmount: UInt64
    public var outOfGasCount: Int
    /// The budget of the period, if any.
    public var budget: UInt64?
    /// When the budget runs out at the rate so far (only for the current period with a budget).
    public var budgetExhaustedAt: Date?

    /// Parses `YYYY-MM` into the period's bounds (UTC).
    public static func bounds(of period: String) -> (start: Date, end: Date)? {
        let parts = period.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), (1970...9999).contains(year)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let end = calendar.date(byAdding: .month, value: 1, to: start)
        else { return nil }
        return (start, end)
    }

    /// The `YYYY-MM` of a date.
    public static func period(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let components = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", components.year ?? 1970, components.month ?? 1)
    }

    /// Builds the invoice from the period's charges.
    public init(tenant: String, period: String, charges: [GasCharge], budget: UInt64?, now: Date = Date()) {
        var lines: [String: Line] = [:]
        for charge in charges {
            let key = "\(charge.repository ?? "")\u{0}\(charge.operation)"
            var line = lines[key] ?? Line(repository: charge.repository, operation: charge.operation, count: 0, gas: 0, amount: 0)
            line.count += 1
            line.gas += charge.gas
            line.amount += charge.amount
            lines[key] = line
        }
        self.tenant = tenant
        self.period = period
        self.lines = lines.values.sorted { ($0.repository ?? "", $0.operation) < ($1.repository ?? "", $1.operation) }
        self.totalGas = self.lines.reduce(0) { $0 + $1.gas }
        self.totalAmount = self.lines.reduce(0) { $0 + $1.amount }
        self.outOfGasCount = charges.filter(\.outOfGas).count
        self.budget = budget
        if let budget, let (start, end) = Self.bounds(of: period), now > start, now < end, totalGas > 0 {
            let rate = Double(totalGas) / now.timeIntervalSince(start)
            let exhausted = start.addingTimeInterval(Double(budget) / rate)
            self.budgetExhaustedAt = exhausted < end ? max(exhausted, now) : nil
        } else {
            self.budgetExhaustedAt = nil
        }
    }

    /// The lines as CSV (RFC 4180), with a header row.
    public var csv: String {
        var rows = ["tenant,period,repository,operation,count,gas,amount_nano_credits"]
        for line in lines {
            rows.append(
                [tenant, period, line.repository ?? "", line.operation, String(line.count), String(line.gas), String(line.amount)]
                    .map(CSV.field).joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

}

extension GasCharge {
    /// The CSV header of `csvRow`.
    public static let csvHeader = "time,tenant,principal,operation,repository,request_id,gas,price,amount,schedule,out_of_gas"

    /// The charge as one CSV row (time in RFC 3339, UTC).
    public var csvRow: String {
        [
            time.ISO8601Format(), tenant, principal, operation, repository ?? "", requestID, String(gas), String(price), String(amount),
            schedule, outOfGas ? "true" : "false",
        ].map(CSV.field).joined(separator: ",")
    }

    /// The charge as one NDJSON line.
    public var jsonLine: String {
        let object: [String: Any] = [
            "time": time.ISO8601Format(), "tenant": tenant, "principal": principal, "operation": operation,
            "repository": repository ?? NSNull(), "request_id": requestID, "gas": gas, "price": price, "amount": amount,
            "schedule": schedule, "out_of_gas": outOfGas,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
