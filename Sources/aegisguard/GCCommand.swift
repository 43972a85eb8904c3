import AegisConfig
import AegisOperations
import AegisRegistry
import AegisServer
import AegisStore
import ArgumentParser
import Foundation
import Logging

/// `aegisguard gc [--dry-run] [--json]`: one garbage collection of the data directory's registry,
/// while the server runs or not (every removal re-checks in its own transaction).
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blob links no manifest references and blobs no repository links (see docs/OPERATIONS.md).",
        discussion: "Exit status: 0 done, 2 could not run.")
    @OptionGroup var options: ConfigurationOptions
    @Flag(help: "Report what would be removed; remove nothing.") var dryRun = false
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Option(help: "Grace in seconds (default gc.grace_seconds): links used more recently stay.") var graceSeconds: Int?

    func run() async throws {
        let configuration = try options.load()
        let grace = TimeInterval(graceSeconds ?? configuration.gcGraceSeconds)
        guard grace >= 0 else { throw ValidationError("--grace-seconds must not be negative") }
        let progress = TerminalProgress(enabled: !json)
        let report = try await withMaintenanceRegistry(configuration, what: "garbage collection", progress: progress) { registry in
            let report = try await registry.collectGarbage(grace: grace, dryRun: dryRun) { done in
                progress.show(
                    "\(done.linksRemoved) links, \(done.blobsRemoved) blobs, \(done.bytesFreed) bytes",
                    rate: Double(done.linksRemoved + done.blobsRemoved), unit: "objects")
            }
            if !dryRun, report.linksRemoved > 0 || report.blobsRemoved > 0 {
                try await GarbageCollection.record(report, in: registry.metadata)
            }
            return report
        }
        let seconds = progress.elapsed
        if json {
            let summary = Summary(report: report, seconds: seconds)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            let verb = dryRun ? "would remove" : "removed"
            print(
                "gc: \(verb) \(report.linksRemoved) links and \(report.blobsRemoved) blobs (\(report.bytesFreed) bytes) "
                    + "in \(String(format: "%.2f", seconds)) s")
        }
    }

    struct Summary: Encodable {
        var dryRun: Bool
        var linksRemoved: Int
        var blobsRemoved: Int
        var bytesFreed: Int64
        var seconds: Double

        init(report: CollectionReport, seconds: Double) {
            dryRun = report.dryRun
            linksRemoved = report.linksRemoved
            blobsRemoved = report.blobsRemoved
            bytesFreed = report.bytesFreed
            self.seconds = (seconds * 1000).rounded() / 1000
        }
    }
}
