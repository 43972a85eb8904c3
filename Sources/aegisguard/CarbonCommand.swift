import AegisCarbon
import AegisConfig
import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard carbon report|export`: energy and emissions from the carbon ledger.
struct CarbonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carbon", abstract: "Energy and CO2e reports and raw rows from the carbon ledger (docs/CARBON.md).",
        subcommands: [Report.self, Export.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A tenant's energy, emissions and SCI for a month.")
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Tenant.") var tenant: String
        @Option(help: "Period, YYYY-MM (default: this month).") var period: String?
        @Option(help: "json or csv.") var format = "json"

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            guard format == "json" || format == "csv" else { throw ValidationError("format must be json or csv") }
            let report: CarbonReport
            do {
                report = try await CarbonOperations.report(of: tenantID, period: period, store: try await openMetadata(options))
            } catch let error as OperationError {
                throw ValidationError(error.message)
            }
            if format == "csv" {
                print(report.csv, terminator: "")
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Raw carbon rows of a month as CSV or NDJSON (DuckDB reads both).")
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Tenant.") var tenant: String
        @Option(help: "Period, YYYY-MM (default: this month).") var period: String?
        @Option(help: "csv or ndjson.") var format = "csv"

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            guard format == "csv" || format == "ndjson" else { throw ValidationError("format must be csv or ndjson") }
            guard let bounds = Invoice.bounds(of: period ?? Invoice.period(of: Date())) else { throw ValidationError("period must be YYYY-MM") }
            if format == "csv" { print(CarbonCharge.csvHeader) }
            try await CarbonOperations.pages(of: tenantID, in: bounds, store: try await openMetadata(options)) { page in
                for (id, charge) in page { print(format == "csv" ? charge.csvRow(id: id) : charge.jsonLine(id: id)) }
            }
        }
    }
}
