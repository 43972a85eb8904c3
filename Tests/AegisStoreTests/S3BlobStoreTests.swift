import AegisCore
import AegisStore
import AegisStoreS3
import AegisStoreSQLite
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Testing

/// The test S3, when one runs.
let s3TestURL = ProcessInfo.processInfo.environment["AEGIS_TEST_S3_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// The S3 blob driver against a real S3 (SeaweedFS, started by `scripts/seaweedfs.sh`; `scripts/test`
/// exports `AEGIS_TEST_S3_URL` and the keys). Each test works under a prefix of its own, with its
/// catalog in a fresh SQLite file.
@Suite(.enabled(if: s3TestURL != nil, "AEGIS_TEST_S3_URL names no S3"))
struct S3BlobStoreTests {
    static let mebibyte = 1024 * 1024

    /// The store of one test and a second "node": another store on the same bucket and catalog.
    struct Nodes {
        let first: S3BlobStore
        let second: S3BlobStore
        let catalog: SQLiteMetadataStore

        /// The keys under the test's prefix.
        func keys() async throws -> [String] {
            var keys: [String] = []
            try await first.client.forEachObject { keys.append($0.key) }
            return keys.sorted()
        }
    }

    func withNodes(partSize: Int = 5 * mebibyte, _ body: (Nodes) async throws -> Void) async throws {
        var configuration = try S3Configuration(url: try #require(s3TestURL))
        configuration.prefix += "/\(UUID().uuidString.lowercased())"
        let directory = try TemporaryDirectory()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let catalog = try SQLiteMetadataStore(path: directory.path + "/meta.sqlite")
        func store() -> S3BlobStore {
            S3BlobStore(
                client: S3Client(configuration: configuration, httpClient: http), catalog: catalog, partSize: partSize,
                logger: Logger(label: "test.s3"))
        }
        do {
            try await body(Nodes(first: store(), second: store(), catalog: catalog))
        } catch {
            try? catalog.close()
            try? await http.shutdown()
            directory.cleanup()
            throw error
        }
        try catalog.close()
        try await http.shutdown()
        directory.cleanup()
    }

    @Test func appendCommitAndRead() async throws { try await withNodes { try await BlobStoreConformance.appendCommitAndRead($0.first) } }
    @Test func failedAppendLeavesUploadUnchanged() async throws {
        try await withNodes { try await BlobStoreConformance.failedAppendLeavesUploadUnchanged($0.first) }
    }
    @Test func committingExistingContentKeepsOneCopy() async throws {
        try await withNodes { nodes in
            try await BlobStoreConformance.committingExistingContentKeepsOneCopy(nodes.first)
            #expect(try await nodes.keys().count == 1)
        }
    }
    @Test func verifyingCommitChecksTheContent() async throws {
        try await withNodes { try await BlobStoreConformance.verifyingCommitChecksTheContent($0.first) }
    }
    @Test func absentThingsAreReportedAsAbsent() async throws {
        try await withNodes { try await BlobStoreConformance.absentThingsAreReportedAsAbsent($0.first) }
    }

    /// 12 MiB in 1 MiB chunks, alternating between two nodes, without a hash state: parts of
    /// 5 MiB, pending objects in between, a verifying commit, and nothing left but the blob.
    @Test func chunksFromTwoNodesBecomeOneObject() async throws {
        try await withNodes { nodes in
            let bytes = (0..<(12 * Self.mebibyte)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
            let digest = DigestHasher.digest(of: bytes)
            let id = UploadID()
            try await nodes.first.createUpload(id)
            for index in 0..<12 {
                let node = index.isMultiple(of: 2) ? nodes.first : nodes.second
                let chunk = ByteBuffer(bytes: bytes[(index * Self.mebibyte)..<((index + 1) * Self.mebibyte)])
                let (size, _) = try await node.append(
                    to: id, at: Int64(index * Self.mebibyte), body: Chunks([chunk]), limit: 1 << 30, expectedLength: nil, hasher: nil,
                    isLast: index == 11)
                #expect(size == Int64((index + 1) * Self.mebibyte))
            }
            let state = try #require(try await nodes.catalog.objectUpload(id))
            #expect(state.parts.map(\.size) == [5, 5, 2].map { Int64($0 * Self.mebibyte) } && state.isClosed)
            try await nodes.second.commitUpload(id, as: digest, verifying: true)
            #expect(try await nodes.first.size(of: digest) == Int64(bytes.count))
            var hasher = DigestHasher(.sha256)
            try await nodes.first.read(digest, range: 0...Int64(bytes.count - 1)) { chunk in chunk.withUnsafeReadableBytes { hasher.update($0) } }
            #expect(hasher.finalize() == digest)
            #expect(try await nodes.keys() == ["objects/\(id)"])
            #expect(try await nodes.first.uploadIDs().isEmpty)
        }
    }

    /// A closing request with a known length larger than a part streams into one PutObject.
    @Test func aWholeBlobStreamsIntoOneObject() async throws {
        try await withNodes { nodes in
            let chunks = (0..<7).map { ByteBuffer(bytes: Array(repeating: UInt8($0), count: Self.mebibyte)) }
            let digest = DigestHasher.digest(of: chunks.flatMap { Array(buffer: $0) })
            let id = UploadID()
            try await nodes.first.createUpload(id)
            let (size, hasher) = try await nodes.first.append(
                to: id, at: 0, body: Chunks(chunks), limit: 1 << 30, expectedLength: Int64(7 * Self.mebibyte),
                hasher: DigestHasher(.sha256), isLast: true)
            #expect(size == Int64(7 * Self.mebibyte) && hasher?.finalize() == digest)
            let state = try #require(try await nodes.catalog.objectUpload(id))
            #expect(state.isClosed && state.multipartID == nil && state.parts.isEmpty)
            try await nodes.first.commitUpload(id, as: digest)
            var read: [UInt8] = []
            try await nodes.second.read(digest, range: Int64(Self.mebibyte - 2)...Int64(Self.mebibyte + 1)) { read += Array(buffer: $0) }
            #expect(read == [0, 0, 1, 1])
        }
    }

    /// A streamed body shorter than declared fails and leaves the upload empty and objectless.
    @Test func aShortStreamedBodyLeavesNothing() async throws {
        try await withNodes { nodes in
            let id = UploadID()
            try await nodes.first.createUpload(id)
            let chunks = (0..<6).map { _ in ByteBuffer(bytes: Array(repeating: 1, count: Self.mebibyte)) }
            await #expect {
                _ = try await nodes.first.append(
                    to: id, at: 0, body: Chunks(chunks), limit: 1 << 30, expectedLength: Int64(7 * Self.mebibyte), hasher: nil, isLast: true)
            } throws: { ($0 as? RegistryError)?.code == .sizeInvalid }
            #expect(try await nodes.first.uploadSize(id) == 0)
            #expect(try await nodes.keys().isEmpty)
        }
    }

    /// Two requests that read the same state: the second to save gets RANGE_INVALID, the upload
    /// keeps the first's bytes, and the loser's pending object is gone.
    @Test func concurrentWritersCannotBothSave() async throws {
        try await withNodes { nodes in
            let id = UploadID()
            try await nodes.first.createUpload(id)
            let gate = Gate()
            let slow = SlowChunks(first: ByteBuffer(bytes: [1, 2, 3]), gate: gate)
            let first = nodes.first
            let loser = Task { try await first.append(to: id, at: 0, body: slow, limit: 100, expectedLength: nil, hasher: nil).size }
            try await gate.waitUntilStarted()
            _ = try await nodes.second.append(to: id, at: 0, body: Chunks([ByteBuffer(bytes: [9])]), limit: 100, expectedLength: nil, hasher: nil)
            gate.release()
            await #expect { _ = try await loser.value } throws: { ($0 as? RegistryError)?.code == .rangeInvalid }
            #expect(try await nodes.first.uploadSize(id) == 1)
            #expect(try await nodes.keys().count == 1)
        }
    }

    /// Many tiny chunks: pending objects are merged once there are 32, so a part never needs more reads.
    @Test func tinyChunksKeepFewPendingObjects() async throws {
        try await withNodes { nodes in
            let id = UploadID()
            try await nodes.first.createUpload(id)
            for index in 0..<40 {
                _ = try await nodes.first.append(
                    to: id, at: Int64(index * 100), body: Chunks([ByteBuffer(bytes: Array(repeating: UInt8(index), count: 100))]),
                    limit: 1 << 20, expectedLength: 100, hasher: nil)
            }
            let state = try #require(try await nodes.catalog.objectUpload(id))
            #expect(state.size == 4000 && state.pending.count <= 32 && state.multipartID == nil)
            #expect(try await nodes.keys().count == state.pending.count)
            let digest = DigestHasher.digest(of: (0..<40).flatMap { Array(repeating: UInt8($0), count: 100) })
            try await nodes.first.commitUpload(id, as: digest, verifying: true)
            #expect(try await nodes.keys() == ["objects/\(id)"])
        }
    }

    /// Deleting an upload aborts its multipart upload and removes its objects.
    @Test func deletingAnUploadLeavesNoObject() async throws {
        try await withNodes { nodes in
            let id = UploadID()
            try await nodes.first.createUpload(id)
            let chunk = ByteBuffer(bytes: Array(repeating: 5, count: 6 * Self.mebibyte))
            _ = try await nodes.first.append(to: id, at: 0, body: Chunks([chunk]), limit: 1 << 30, expectedLength: nil, hasher: nil)
            let state = try #require(try await nodes.catalog.objectUpload(id))
            #expect(state.parts.count == 1 && state.pending.count == 1)
            try await nodes.second.deleteUpload(id)
            #expect(try await nodes.keys().isEmpty)
            #expect(try await nodes.first.uploadSize(id) == nil)
            let multipartID = try #require(state.multipartID)
            await #expect {
                try await nodes.first.client.completeMultipartUpload(
                    state.key, uploadID: multipartID, parts: state.parts.map { S3CompletedPart(number: $0.number, etag: $0.etag) })
            } throws: { ($0 as? S3Error)?.code == .noSuchUpload }
        }
    }

    /// A swept blob is unreadable while the sweep asks, and comes back if it was claimed meanwhile.
    @Test func removeIfUnclaimedAsksWhileTheBlobIsHidden() async throws {
        try await withNodes { nodes in
            let bytes = Array("swept".utf8)
            let digest = DigestHasher.digest(of: bytes)
            let id = UploadID()
            try await nodes.first.createUpload(id)
            _ = try await nodes.first.append(to: id, at: 0, body: Chunks([ByteBuffer(bytes: bytes)]), limit: 100, expectedLength: nil, hasher: nil)
            try await nodes.first.commitUpload(id, as: digest, verifying: true)
            let second = nodes.second
            let kept = try await nodes.first.removeIfUnclaimed(digest) { () async throws -> Bool in
                let hidden = try await second.size(of: digest)
                #expect(hidden == nil)
                return false
            }
            let sizeAfterKeeping = try await nodes.first.size(of: digest)
            #expect(!kept && sizeAfterKeeping == 5)
            let removed = try await nodes.first.removeIfUnclaimed(digest) { true }
            #expect(removed)
            #expect(try await nodes.first.size(of: digest) == nil)
            #expect(try await nodes.keys().isEmpty)
        }
    }
}

/// Opens a gate once the body's first chunk was taken, and holds the body's end until released.
final class Gate: Sendable {
    private let started = AsyncStream<Void>.makeStream()
    private let released = AsyncStream<Void>.makeStream()

    func markStarted() { started.continuation.yield() }
    func waitUntilStarted() async throws {
        for await _ in started.stream { return }
    }
    func release() { released.continuation.finish() }
    func waitForRelease() async {
        for await _ in released.stream {}
    }
}

/// A body that yields one chunk, then waits for its gate before it ends.
struct SlowChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let first: ByteBuffer
    let gate: Gate

    struct AsyncIterator: AsyncIteratorProtocol {
        var first: ByteBuffer?
        let gate: Gate
        mutating func next() async throws -> ByteBuffer? {
            if let chunk = first {
                first = nil
                return chunk
            }
            gate.markStarted()
            await gate.waitForRelease()
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(first: first, gate: gate) }
}
