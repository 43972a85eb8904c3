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
        var logger = Logger(label: "aegisguard")
        logger.logLevel = .error
        let grace = TimeInterval(graceSeconds ?? configuration.gcGraceSeconds)
        guard grace >= 0 else { throw ValidationError("--grace-seconds must not be negative") }
        let progress = Progress(enabled: !json && isatty(STDERR_FILENO) == 1)
        let clock = ContinuousClock()
        let start = clock.now
        let report: CollectionReport
        do {
            let storage = try await AegisStorage.open(configuration)
            defer { try? storage.metadata.close() }
            let registry = Registry(metadata: storage.metadata, blobs: storage.blobs, limits: configuration.limits, logger: logger)
            report = try await registry.collectGarbage(grace: grace, dryRun: dryRun) { progress.show($0, since: start, clock: clock) }
            if !dryRun, report.linksRemoved > 0 || report.blobsRemoved > 0 {
                try await GarbageCollection.record(report, in: storage.metadata)
            }
        } catch {
            progress.end()
            FileHandle.standardError.write(Data("error: garbage collection could not run: \(error)\n".utf8))
            throw ExitCode(2)
        }
        progress.end()
        let seconds = (clock.now - start).seconds
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

    /// One line rewritten in place on a terminal: what is done so far and the rate.
    struct Progress {
        let enabled: Bool

        func show(_ report: CollectionReport, since start: ContinuousClock.Instant, clock: ContinuousClock) {
            guard enabled else { return }
            let seconds = max((clock.now - start).seconds, 0.001)
            let line = String(
                format: "\r%d links, %d blobs, %lld bytes (%.0f objects/s)", report.linksRemoved, report.blobsRemoved, report.bytesFreed,
                Double(report.linksRemoved + report.blobsRemoved) / seconds)
            FileHandle.standardError.write(Data(line.utf8))
        }

        func end() {
            if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
