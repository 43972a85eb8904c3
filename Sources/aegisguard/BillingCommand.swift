import AegisConfig
import AegisCore
import AegisGas
import AegisOperations
import AegisServer
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard billing invoice|export|budget`: bills and raw usage from the gas ledger.
struct BillingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing", abstract: "Invoices, raw usage and budgets from the gas ledger.",
        subcommands: [InvoiceCommand.self, Export.self, Budget.self])

    struct InvoiceCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "invoice", abstract: "A tenant's bill for a month.")
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Tenant.") var tenant: String
        @Option(help: "Billing period, YYYY-MM (default: this month).") var period: String?
        @Option(help: "json or csv.") var format = "json"

        func run() async throws {
            let configuration = try options.load()
            let tenantID = try parseTenant(tenant)
            if let period, Invoice.bounds(of: period) == nil { throw ValidationError("period must be YYYY-MM") }
            let invoice = try await GasOperations.invoice(
                of: tenantID, period: period, store: try await openMetadata(options), defaultBudget: configuration.gas.defaultBudget)
            switch format {
            case "json":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(invoice), as: UTF8.self))
            case "csv": print(invoice.csv, terminator: "")
            default: throw ValidationError("format must be json or csv")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Raw ledger rows of a month as CSV or NDJSON (DuckDB reads both).")
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Tenant.") var tenant: String
        @Option(help: "Billing period, YYYY-MM (default: this month).") var period: String?
        @Option(help: "csv or ndjson.") var format = "csv"

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            guard let bounds = Invoice.bounds(of: period ?? Invoice.period(of: Date())) else { throw ValidationError("period must be YYYY-MM") }
            let charges = try await openMetadata(options).charges(of: tenantID, from: bounds.start, to: bounds.end)
            switch format {
            case "csv":
                print(GasCharge.csvHeader)
                for charge in charges { print(charge.csvRow) }
            case "ndjson":
                for charge in charges { print(charge.jsonLine) }
            default: throw ValidationError("format must be csv or ndjson")
            }
        }
    }

    struct Budget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a tenant's gas budget per month ('none' returns it to the default). A running server sees it within a second.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "Gas per month, or 'none'.") var budget: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            let value = try parseAmountOrNone(budget, name: "budget", minimum: 1)
            try await withOperations(options) { operations, caller in
                try await operations.gas.setBudget(value, of: tenantID, caller)
                print(value.map { "\(tenantID): \($0) gas per month" } ?? "\(tenantID): default budget")
            }
        }
    }
}
