import AegisConfig
import AegisServer
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard backup DEST`: a consistent backup of a running (or stopped) registry.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back the registry up into DEST while it runs: a metadata snapshot and every blob it names (see docs/OPERATIONS.md).",
        discussion: "Incremental: blobs already in DEST are skipped. Exit status: 0 done, 2 could not run.")
    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "The backup directory (created when missing; an earlier backup there is updated).") var destination: String
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func run() async throws {
        let configuration = try options.load()
        let progress = TerminalProgress(enabled: !json)
        let result: (manifest: Backup.Manifest, progress: Backup.Progress)
        do {
            result = try await Backup.write(configuration, to: destination) { done in
                progress.show(done.line, rate: Double(done.bytes) / 1_048_576, of: Double(done.totalBytes) / 1_048_576, unit: "MiB")
            }
        } catch {
            progress.end()
            FileHandle.standardError.write(Data("error: backup could not run: \(error)\n".utf8))
            throw ExitCode(2)
        }
        progress.end()
        let summary = Summary(
            blobs: result.manifest.blobs, bytes: result.manifest.blobBytes, copiedBlobs: result.progress.copiedBlobs,
            copiedBytes: result.progress.copiedBytes, checksum: result.manifest.checksum, seconds: progress.elapsed)
        print(
            json
                ? summary.json
                : "backup: \(summary.blobs) blobs (\(summary.bytes) bytes), \(summary.copiedBlobs) copied (\(summary.copiedBytes) bytes) "
                    + "in \(String(format: "%.2f", summary.seconds)) s, checksum \(summary.checksum)")
    }
}

/// `aegisguard restore SRC --data-dir NEW`: a backup, checked, into a new data directory.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a new, empty data directory, checking its checksum and every blob's digest.",
        discussion: "Exit status: 0 restored, 1 refused (the backup fails its checks; nothing is left behind), 2 could not run.")
    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "The backup directory.") var source: String
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func run() async throws {
        let configuration = try options.load()
        let progress = TerminalProgress(enabled: !json)
        let done: Backup.Progress
        do {
            done = try await Backup.restore(from: source, into: configuration.dataDirectory) { done in
                progress.show(done.line, rate: Double(done.bytes) / 1_048_576, of: Double(done.totalBytes) / 1_048_576, unit: "MiB")
            }
            // The restored data opens (and migrates, when the backup is older than this binary).
            try await AegisStorage.open(configuration).metadata.close()
        } catch let refusal as Backup.Refusal {
            progress.end()
            FileHandle.standardError.write(Data("error: restore refused: \(refusal)\n".utf8))
            throw ExitCode.failure
        } catch {
            progress.end()
            FileHandle.standardError.write(Data("error: restore could not run: \(error)\n".utf8))
            throw ExitCode(2)
        }
        progress.end()
        let summary = Summary(
            blobs: done.blobs, bytes: done.bytes, copiedBlobs: done.copiedBlobs, copiedBytes: done.copiedBytes,
            checksum: (try? Backup.readManifest(source).checksum) ?? "", seconds: progress.elapsed)
        print(
            json
                ? summary.json
                : "restore: \(summary.blobs) blobs (\(summary.bytes) bytes) into \(configuration.dataDirectory) "
                    + "in \(String(format: "%.2f", summary.seconds)) s")
    }
}

private struct Summary: Encodable {
    var blobs: Int
    var bytes: Int64
    var copiedBlobs: Int
    var copiedBytes: Int64
    var checksum: String
    var seconds: Double

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var rounded = self
        rounded.seconds = (seconds * 1000).rounded() / 1000
        return (try? encoder.encode(rounded)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension Backup.Progress {
    /// What the progress line says: objects and bytes done of the total.
    fileprivate var line: String {
        "\(blobs)/\(totalBlobs) blobs, \(bytes)/\(totalBytes) bytes"
    }
}
