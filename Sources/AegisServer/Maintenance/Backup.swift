import AegisConfig
import AegisCore
import AegisStore
import Crypto
import Foundation
import NIOCore

/// An application-consistent backup of a registry on the embedded metadata store, taken while it
/// runs, and its restore into a new data directory.
///
/// A backup directory holds a metadata snapshot, every blob the snapshot names (by digest, in the
/// file store's layout: `blobs/<algorithm>/<2 hex>/<hex>`), the list of those blobs, and
/// `backup.json`, which names both files and carries a checksum over them. `backup.json` is
/// written last and atomically: a backup interrupted half-way leaves the previous one whole, and
/// blobs copied already are skipped next time (a backup is incremental by digest).
public enum Backup {
    /// What `backup.json` says.
    public struct Manifest: Codable, Sendable, Equatable {
        public var format = 1
        public var createdAt: String
        /// The metadata snapshot: its file (relative to the backup), bytes and SHA-256.
        public var metadata: File
        /// The list of blobs, one `<digest> <size>` per line, sorted.
        public var blobList: File
        public var blobs: Int
        public var blobBytes: Int64
        /// `sha256:` over the metadata's and the list's hashes: what restore checks first.
        public var checksum: String

        public struct File: Codable, Sendable, Equatable {
            public var path: String
            public var bytes: Int64
            public var sha256: String
        }
    }

    /// Work done so far (for progress lines) and, at the end, the summary.
    public struct Progress: Sendable, Codable, Equatable {
        public var blobs = 0
        public var totalBlobs = 0
        public var bytes: Int64 = 0
        public var totalBytes: Int64 = 0
        /// Blobs (and their bytes) written by this run; the rest were in the backup already.
        public var copiedBlobs = 0
        public var copiedBytes: Int64 = 0
    }

    /// A backup or restore refused: the source fails its checks. Nothing is left half-restored.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// How long a backup's hold on garbage collection lasts unless renewed (every third of it).
    static let holdSeconds: TimeInterval = 120

    /// Backs the registry of `configuration` up into `destination` (created when missing; an
    /// earlier backup there is updated incrementally).
    ///
    /// Garbage collection removes no blob while it runs (a collection hold, renewed while the copy
    /// goes on and released at the end, or expiring on its own if the backup dies), so every blob
    /// the snapshot names is still there to copy. Each copy is hashed on its way and refused if its
    /// bytes do not match its digest.
    public static func write(
        _ configuration: AegisConfiguration, to destination: String, progress: (Progress) -> Void = { _ in }
    ) async throws -> (manifest: Manifest, progress: Progress) {
        let storage = try await AegisStorage.open(configuration)
        defer { try? storage.metadata.close() }
        let store = storage.metadata
        let hold = "backup-\(UUID().uuidString.lowercased())"
        try await store.holdCollection(hold, until: Date().addingTimeInterval(holdSeconds))
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(holdSeconds / 3))
                try? await store.holdCollection(hold, until: Date().addingTimeInterval(holdSeconds))
            }
        }
        defer { renewal.cancel() }
        do {
            let result = try await copy(storage, to: destination, progress: progress)
            try? await store.releaseCollectionHold(hold)
            return result
        } catch {
            try? await store.releaseCollectionHold(hold)
            throw error
        }
    }

    private static func copy(_ storage: AegisStorage, to destination: String, progress report: (Progress) -> Void) async throws
        -> (manifest: Manifest, progress: Progress)
    {
        let files = FileManager.default
        try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let stamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        let metadataName = "meta-\(stamp).sqlite"
        let blobs = try await storage.metadata.snapshot(into: destination + "/" + metadataName)
        var progress = Progress(totalBlobs: blobs.count, totalBytes: blobs.reduce(0) { $0 + $1.size })
        for blob in blobs {
            try Task.checkCancellation()
            let path = destination + "/" + blobPath(blob.digest)
            if let size = (try? files.attributesOfItem(atPath: path))?[.size] as? Int64, size == blob.size {
                // In the backup already: content addressing makes it the same bytes.
            } else {
                try await copyBlob(blob, from: storage.blobs, to: path)
                progress.copiedBlobs += 1
                progress.copiedBytes += blob.size
            }
            progress.blobs += 1
            progress.bytes += blob.size
            report(progress)
        }
        let listName = "blobs-\(stamp).list"
        let list = blobs.map { "\($0.digest) \($0.size)\n" }.joined()
        try Data(list.utf8).write(to: URL(fileURLWithPath: destination + "/" + listName))
        let metadata = try fileSummary(destination, metadataName)
        let blobList = try fileSummary(destination, listName)
        let manifest = Manifest(
            createdAt: Date().ISO8601Format(), metadata: metadata, blobList: blobList, blobs: blobs.count, blobBytes: progress.totalBytes,
            checksum: checksum(metadata: metadata, blobList: blobList))
        let previous = try? readManifest(destination)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: destination + "/backup.json"), options: .atomic)
        // The previous backup's own files, now that the new one is whole.
        if let previous {
            for old in [previous.metadata.path, previous.blobList.path] where old != metadataName && old != listName {
                try? files.removeItem(atPath: destination + "/" + old)
            }
        }
        return (manifest, progress)
    }

    /// Restores the backup in `source` into `dataDirectory`, which must be new or empty. Every
    /// file is checked against the backup's manifest and every blob against its digest; on any
    /// mismatch the restore is refused and the data directory removed again.
    public static func restore(from source: String, into dataDirectory: String, progress report: (Progress) -> Void = { _ in }) async throws
        -> Progress
    {
        let files = FileManager.default
        if files.fileExists(atPath: dataDirectory), !(try files.contentsOfDirectory(atPath: dataDirectory)).isEmpty {
            throw Refusal(description: "'\(dataDirectory)' is not empty: restore into a new data directory")
        }
        let manifest: Manifest
        do { manifest = try readManifest(source) } catch { throw Refusal(description: "\(source)/backup.json is unreadable: \(error)") }
        let metadata = try fileSummary(source, manifest.metadata.path)
        let blobList = try fileSummary(source, manifest.blobList.path)
        guard metadata == manifest.metadata, blobList == manifest.blobList,
            checksum(metadata: metadata, blobList: blobList) == manifest.checksum
        else {
            throw Refusal(description: "the backup fails its checksum: its metadata or its list of blobs changed since it was written")
        }
        let blobs = try parseList(source + "/" + manifest.blobList.path)
        guard blobs.count == manifest.blobs else { throw Refusal(description: "the list names \(blobs.count) blobs, the manifest \(manifest.blobs)") }
        try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        do {
            var progress = Progress(totalBlobs: blobs.count, totalBytes: manifest.blobBytes)
            for blob in blobs {
                try Task.checkCancellation()
                try copyVerified(blob, from: source + "/" + blobPath(blob.digest), to: dataDirectory + "/" + blobPath(blob.digest))
                progress.blobs += 1
                progress.bytes += blob.size
                progress.copiedBlobs += 1
                progress.copiedBytes += blob.size
                report(progress)
            }
            try files.copyItem(atPath: source + "/" + manifest.metadata.path, toPath: dataDirectory + "/meta.sqlite")
            return progress
        } catch {
            try? files.removeItem(atPath: dataDirectory)
            throw error
        }
    }

    public static func readManifest(_ directory: String) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/backup.json")))
    }

    static func blobPath(_ digest: AegisCore.Digest) -> String {
        "blobs/\(digest.algorithm.rawValue)/\(digest.encoded.prefix(2))/\(digest.encoded)"
    }

    static func checksum(metadata: Manifest.File, blobList: Manifest.File) -> String {
        let text =
            "aegisguard-backup 1\n\(metadata.path) \(metadata.bytes) \(metadata.sha256)\n\(blobList.path) \(blobList.bytes) \(blobList.sha256)\n"
        return "sha256:" + SHA256.hash(data: Data(text.utf8)).hex
    }

    private static func fileSummary(_ directory: String, _ name: String) throws -> Manifest.File {
        let path = directory + "/" + name
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Refusal(description: "\(path) is missing") }
        defer { try? handle.close() }
        var hash = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        return Manifest.File(path: name, bytes: bytes, sha256: hash.finalize().hex)
    }

    private static func parseList(_ path: String) throws -> [BlobInfo] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let digest = try? AegisCore.Digest(parsing: fields[0]), let size = Int64(fields[1]), size >= 0 else {
                throw Refusal(description: "the list of blobs has a malformed line: \(line.prefix(200))")
            }
            return BlobInfo(digest: digest, size: size)
        }
    }

    /// Streams a blob from the store into `path` (through a temporary file, renamed once its bytes
    /// hash to its digest).
    private static func copyBlob(_ blob: BlobInfo, from store: any BlobStore, to path: String) async throws {
        let temporary = try createTemporary(for: path)
        guard let handle = FileHandle(forWritingAtPath: temporary) else { throw Refusal(description: "cannot write \(temporary)") }
        var hasher = DigestHasher(blob.digest.algorithm)
        do {
            if blob.size > 0 {
                try await store.read(blob.digest, range: 0...(blob.size - 1)) { buffer in
                    buffer.withUnsafeReadableBytes { hasher.update($0) }
                    try handle.write(contentsOf: Data(buffer.readableBytesView))
                }
            }
            try handle.synchronize()
            try handle.close()
            guard hasher.finalize() == blob.digest else {
                throw Refusal(description: "the stored bytes of \(blob.digest) do not hash to it (run aegisguard fsck --deep)")
            }
            try replace(path, with: temporary)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Copies a backed-up blob into a data directory, refusing bytes that do not hash to its digest.
    private static func copyVerified(_ blob: BlobInfo, from source: String, to path: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw Refusal(description: "the backup lacks \(blob.digest)") }
        defer { try? input.close() }
        let temporary = try createTemporary(for: path)
        guard let output = FileHandle(forWritingAtPath: temporary) else { throw Refusal(description: "cannot write \(temporary)") }
        var hasher = DigestHasher(blob.digest.algorithm)
        var bytes: Int64 = 0
        do {
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(chunk)
                bytes += Int64(chunk.count)
                try output.write(contentsOf: chunk)
            }
            try output.synchronize()
            try output.close()
            guard bytes == blob.size, hasher.finalize() == blob.digest else {
                throw Refusal(description: "the backup's copy of \(blob.digest) is damaged: it does not hash to its digest")
            }
            try replace(path, with: temporary)
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    private static func createTemporary(for path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".partial-" + UUID().uuidString.lowercased()
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else { throw Refusal(description: "cannot create \(temporary)") }
        return temporary
    }

    private static func replace(_ path: String, with temporary: String) throws {
        if rename(temporary, path) != 0 { throw Refusal(description: "cannot rename \(temporary) to \(path): errno \(errno)") }
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal.
    fileprivate var hex: String { map { String(format: "%02x", $0) }.joined() }
}
