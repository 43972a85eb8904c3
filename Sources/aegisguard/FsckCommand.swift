import AegisConfig
import AegisGas
import AegisRegistry
import AegisServer
import AegisStore
import ArgumentParser
import Foundation
import Logging

/// `aegisguard fsck [--deep] [--repair] [--json]`: do the metadata and the stored bytes agree?
struct FsckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Check that metadata and stored bytes agree (see docs/OPERATIONS.md).",
        discussion: "Exit status: 0 clean (or every problem found was repaired), 1 problems remain, 2 could not run.")
    @OptionGroup var options: ConfigurationOptions
    @Flag(help: "Re-hash every blob's bytes too.") var deep = false
    @Flag(help: "Make the repairs that cannot lose data: remove orphan objects and unlinked blobs, reset storage counts and gas balances.")
    var repair = false
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() async throws {
        let configuration = try options.load()
        let progress = TerminalProgress(enabled: !json)
        let report = try await withMaintenanceRegistry(configuration, what: "fsck", progress: progress) { registry in
            try await registry.check(deep: deep, repair: repair, gasPeriod: GasAccounts.period(of: Date())) { done in
                progress.show(
                    "\(done.manifests) manifests, \(done.blobs) blobs, \(done.bytesHashed) bytes hashed, \(done.problems.count) problems",
                    rate: Double(done.bytesHashed) / 1_048_576, unit: "MiB")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for problem in report.problems {
                print("\(problem.kind)\t\(problem.subject)\t\(problem.detail)\(problem.repaired ? "\trepaired" : "")")
            }
            print(
                "fsck: \(report.manifests) manifests, \(report.blobs) blobs\(deep ? ", \(report.bytesHashed) bytes re-hashed" : ""): "
                    + "\(report.problems.count) problems, \(report.problems.count - report.unrepaired) repaired, in \(String(format: "%.2f", progress.elapsed)) s"
            )
        }
        if report.unrepaired > 0 { throw ExitCode.failure }
    }
}
