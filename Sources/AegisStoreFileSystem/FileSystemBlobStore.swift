import AegisCore
import AegisStore
import Foundation
import NIOCore
import _NIOFileSystem

/// Blobs as files under one directory:
///
/// ```
/// <root>/blobs/<algorithm>/<first two hex>/<hex>   immutable, written by fsync + rename
/// <root>/uploads/<uuid>                            in-progress uploads
/// <root>/trash/<algorithm>-<hex>.<ms>-<uuid>        a blob being swept (see `removeIfUnclaimed`)
/// ```
///
/// All I/O goes through NIOFileSystem's thread pool, so no event loop or cooperative thread blocks.
public struct FileSystemBlobStore: BlobStore {
    private let blobsRoot: FilePath
    private let uploadsRoot: FilePath
    private let trashRoot: FilePath
    private let fileSystem: FileSystem
    private let chunkLength: ByteCount

    /// Opens (creating if needed) a store rooted at `root`.
    public init(root: String, fileSystem: FileSystem = .shared) async throws {
        let rootPath = FilePath(root)
        self.blobsRoot = rootPath.appending("blobs")
        self.uploadsRoot = rootPath.appending("uploads")
        self.trashRoot = rootPath.appending("trash")
        self.fileSystem = fileSystem
        self.chunkLength = .mebibytes(1)
        for directory in [blobsRoot, uploadsRoot, trashRoot] {
            try await fileSystem.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try await restoreSweptAside()
    }

    private func path(of digest: Digest) -> FilePath {
        blobsRoot.appending(
            [
                .init(digest.algorithm.rawValue), .init(String(digest.encoded.prefix(2))), .init(digest.encoded),
            ].compactMap { $0 })
    }

    private func path(of upload: UploadID) -> FilePath {
        uploadsRoot.appending(upload.value)
    }

    public func size(of digest: Digest) async throws -> Int64? {
        guard let info = try await fileSystem.info(forFileAt: path(of: digest)), info.type == .regular else { return nil }
        return info.size
    }

    public func read(_ digest: Digest, range: ClosedRange<Int64>, into consume: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await fileSystem.withFileHandle(forReadingAt: path(of: digest)) { handle in
                try await Self.stream(handle, range: range, chunkLength: chunkLength, into: consume)
            }
        } catch let error as FileSystemError where error.code == .notFound {
            throw RegistryError(.blobUnknown, "blob \(digest) is unknown")
        }
    }

    /// Reads `range` in chunks, always one chunk ahead: the next read runs on the I/O thread pool
    /// while the consumer sends the current chunk. At most two chunks are in memory.
    private static func stream(
        _ handle: ReadFileHandle, range: ClosedRange<Int64>, chunkLength: ByteCount, into consume: (ByteBuffer) async throws -> Void
    ) async throws {
        let end = range.upperBound + 1
        func chunk(at offset: Int64) -> ByteCount { .bytes(min(chunkLength.bytes, end - offset)) }
        try await withThrowingTaskGroup(of: ByteBuffer.self) { reads in
            var offset = range.lowerBound
            let first = offset
            reads.addTask { try await handle.readChunk(fromAbsoluteOffset: first, length: chunk(at: first)) }
            while let current = try await reads.next() {
                guard current.readableBytes > 0 else { break }
                offset += Int64(current.readableBytes)
                if offset < end {
                    let next = offset
                    reads.addTask { try await handle.readChunk(fromAbsoluteOffset: next, length: chunk(at: next)) }
                }
                try await consume(current)
            }
        }
    }

    public func delete(_ digest: Digest) async throws {
        try await fileSystem.removeItem(at: path(of: digest), strategy: .platformDefault)
    }

    public func createUpload(_ id: UploadID) async throws {
        try await fileSystem.withFileHandle(forWritingAt: path(of: id), options: .newFile(replaceExisting: false)) { _ in }
    }

    public func uploadSize(_ id: UploadID) async throws -> Int64? {
        try await fileSystem.info(forFileAt: path(of: id))?.size
    }

    /// Always: the upload is a local file.
    public var canReadUploads: Bool { true }

    public func append<Body: AsyncSequence>(
        to id: UploadID, at offset: Int64, body: Body, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?, isLast: Bool
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer {
        do {
            return try await fileSystem.withFileHandle(
                forWritingAt: path(of: id), options: .modifyFile(createIfNecessary: false)
            ) { handle in
                do {
                    let result = try await Self.write(
                        body, to: handle, at: offset, limit: limit, expectedLength: expectedLength, hasher: hasher)
                    if let expectedLength, result.size - offset != expectedLength {
                        throw Self.lengthMismatch(expectedLength)
                    }
                    return result
                } catch {
                    // Leave the session as it was before this request.
                    try? await handle.resize(to: .bytes(offset))
                    throw error
                }
            }
        } catch let error as FileSystemError where error.code == .notFound {
            throw RegistryError(.blobUploadUnknown, "upload session \(id) is unknown")
        }
    }

    /// Streams `body` to the file while hashing it. Writes are pipelined: while one batch of
    /// `batchSize` bytes is written on the I/O thread pool, the next batch is received and hashed,
    /// so a push costs about max(receive + hash, write) instead of their sum. At most two batches
    /// are in memory per upload.
    private static func write<Body: AsyncSequence>(
        _ body: Body, to handle: WriteFileHandle, at offset: Int64, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?
    ) async throws -> (size: Int64, hasher: DigestHasher?) where Body.Element == ByteBuffer {
        let batchSize = 4 * 1024 * 1024
        var hasher = hasher
        var size = offset
        var writeOffset = offset
        var batch = ByteBuffer()
        try await withThrowingTaskGroup(of: Void.self) { writes in
            var writing = false
            for try await buffer in body {
                size += Int64(buffer.readableBytes)
                if let expectedLength, size - offset > expectedLength {
                    throw lengthMismatch(expectedLength)
                }
                guard size <= limit else {
                    throw RegistryError(.payloadTooLarge, "body exceeds the limit of \(limit) bytes")
                }
                if hasher != nil { buffer.withUnsafeReadableBytes { hasher?.update($0) } }
                if batch.readableBytes == 0, buffer.readableBytes >= batchSize {
                    batch = buffer
                } else {
                    if batch.capacity == 0 { batch.reserveCapacity(batchSize) }
                    var buffer = buffer
                    batch.writeBuffer(&buffer)
                }
                guard batch.readableBytes >= batchSize else { continue }
                if writing { try await writes.next() }
                let full = batch
                let at = writeOffset
                writeOffset += Int64(full.readableBytes)
                batch = ByteBuffer()
                writes.addTask { try await handle.write(contentsOf: full, toAbsoluteOffset: at) }
                writing = true
            }
            try await writes.waitForAll()
            if batch.readableBytes > 0 {
                try await handle.write(contentsOf: batch, toAbsoluteOffset: writeOffset)
            }
        }
        return (size, hasher)
    }

    private static func lengthMismatch(_ expected: Int64) -> RegistryError {
        RegistryError(.sizeInvalid, "body length does not match the declared length of \(expected) bytes")
    }

    public func readUpload(_ id: UploadID, into consume: (ByteBuffer) async throws -> Void) async throws {
        do {
            try await fileSystem.withFileHandle(forReadingAt: path(of: id)) { handle in
                for try await chunk in handle.readChunks(chunkLength: chunkLength) {
                    try await consume(chunk)
                }
            }
        } catch let error as FileSystemError where error.code == .notFound {
            throw RegistryError(.blobUploadUnknown, "upload session \(id) is unknown")
        }
    }

    public func commitUpload(_ id: UploadID, as digest: Digest, verifying: Bool) async throws {
        if verifying {
            var hasher = DigestHasher(digest.algorithm)
            try await readUpload(id) { chunk in chunk.withUnsafeReadableBytes { hasher.update($0) } }
            guard hasher.finalize() == digest else {
                try? await deleteUpload(id)
                throw RegistryError(.digestInvalid, "provided digest did not match uploaded content")
            }
        }
        let source = path(of: id)
        let destination = path(of: digest)
        // Data first: the rename must never expose a file whose bytes are not on disk. The time
        // of the commit becomes the blob's modification time (the orphan sweep's grace period).
        try await fileSystem.withFileHandle(forWritingAt: source, options: .modifyFile(createIfNecessary: false)) { handle in
            try await handle.setTimes(lastAccess: nil, lastDataModification: .now)
            try await handle.synchronize()
        }
        guard let directory = destination.removingLastComponent() as FilePath? else { return }
        try await fileSystem.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try await fileSystem.moveItem(at: source, to: destination)
        } catch let error as FileSystemError where error.code == .fileAlreadyExists {
            // Same digest, same bytes: keep the existing file.
            try await deleteUpload(id)
            return
        }
        // Then the directory entry, so the rename itself survives a crash.
        try await fileSystem.withDirectoryHandle(atPath: directory) { handle in
            try await handle.fileHandle.synchronize()
        }
    }

    public func deleteUpload(_ id: UploadID) async throws {
        try await fileSystem.removeItem(at: path(of: id), strategy: .platformDefault)
    }

    public func uploadIDs() async throws -> [UploadID] {
        try await fileSystem.withDirectoryHandle(atPath: uploadsRoot) { directory in
            var ids: [UploadID] = []
            for try await entry in directory.listContents() {
                if let id = try? UploadID(parsing: entry.name.string) { ids.append(id) }
            }
            return ids
        }
    }

    public func forEachBlob(_ body: (StoredBlob) async throws -> Void) async throws {
        for algorithm in DigestAlgorithm.allCases {
            let root = blobsRoot.appending(algorithm.rawValue)
            guard try await fileSystem.info(forFileAt: root) != nil else { continue }
            for shard in try await entries(of: root) {
                for name in try await entries(of: root.appending(shard)) {
                    guard let digest = try? Digest(algorithm: algorithm, encoded: name),
                        let info = try await fileSystem.info(forFileAt: path(of: digest)), info.type == .regular
                    else { continue }
                    let time = info.lastDataModificationTime
                    let modified = Date(timeIntervalSince1970: Double(time.seconds) + Double(time.nanoseconds) / 1e9)
                    try await body(StoredBlob(digest: digest, size: info.size, modified: modified))
                }
            }
        }
    }

    private func entries(of directory: FilePath) async throws -> [String] {
        try await fileSystem.withDirectoryHandle(atPath: directory) { handle in
            var names: [String] = []
            for try await entry in handle.listContents() { names.append(entry.name.string) }
            return names
        }
    }

    public func removeIfUnclaimed(_ digest: Digest, stillUnclaimed: () async throws -> Bool) async throws -> Bool {
        // The name keeps the digest and the time, so a crash while the blob is aside is undone later.
        let movedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let aside = trashRoot.appending("\(digest.algorithm.rawValue)-\(digest.encoded).\(movedAt)-\(UUID().uuidString.lowercased())")
        do {
            try await fileSystem.moveItem(at: path(of: digest), to: aside)
        } catch let error as FileSystemError where error.code == .notFound {
            return false
        }
        let unclaimed: Bool
        do {
            unclaimed = try await stillUnclaimed()
        } catch {
            try await putBack(aside, as: digest)
            throw error
        }
        guard unclaimed else {
            try await putBack(aside, as: digest)
            return false
        }
        // None removed: another process found it aside for too long and put it back; the next
        // sweep decides again.
        return try await fileSystem.removeItem(at: aside, strategy: .platformDefault) > 0
    }

    private func putBack(_ aside: FilePath, as digest: Digest) async throws {
        if let directory = path(of: digest).removingLastComponent() as FilePath? {
            try await fileSystem.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        do {
            try await fileSystem.moveItem(at: aside, to: path(of: digest))
        } catch let error as FileSystemError where error.code == .fileAlreadyExists {
            // A writer committed the same content meanwhile: keep its copy.
            try await fileSystem.removeItem(at: aside, strategy: .platformDefault)
        } catch let error as FileSystemError where error.code == .notFound {
            // Its sweep finished (or another process put it back) meanwhile: nothing left to do.
        }
    }

    /// How long a blob may stay aside before another opening of the store takes it for a crashed
    /// sweep's and puts it back. A live sweep holds it for one metadata query; other processes on
    /// the same directory (a backup, fsck, a second node) must not undo that.
    static let abandonedAfter: Duration = .seconds(120)

    /// Puts back blobs a sweep had moved aside when its process stopped; the next sweep decides again.
    /// Entries younger than `abandonedAfter` belong to a sweep that may still run and are left alone.
    private func restoreSweptAside() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let abandoned = Self.abandonedAfter.components.seconds * 1000
        for name in try await entries(of: trashRoot) {
            guard let entry = Self.parseAside(name) else { continue }
            if let movedAt = entry.movedAt, now - movedAt < abandoned { continue }
            try await putBack(trashRoot.appending(name), as: entry.digest)
        }
    }

    /// `<algorithm>-<hex>.<ms>-<uuid>`, or `<algorithm>-<hex>.<uuid>` as earlier versions named it
    /// (no time: taken as abandoned).
    static func parseAside(_ name: String) -> (digest: Digest, movedAt: Int64?)? {
        let halves = name.split(separator: ".", maxSplits: 1)
        let parts = halves.first?.split(separator: "-", maxSplits: 1) ?? []
        guard parts.count == 2, let algorithm = DigestAlgorithm(rawValue: String(parts[0])),
            let digest = try? Digest(algorithm: algorithm, encoded: String(parts[1]))
        else { return nil }
        let movedAt = halves.count == 2 ? halves[1].split(separator: "-", maxSplits: 1).first.flatMap { Int64($0) } : nil
        return (digest, movedAt)
    }
}
