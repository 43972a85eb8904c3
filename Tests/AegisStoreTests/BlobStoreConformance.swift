import AegisCore
import AegisStore
import Foundation
import NIOCore
import Testing

/// The behaviour every `BlobStore` driver must have. Each driver's suite calls these with its own store.
enum BlobStoreConformance {
    static func appendCommitAndRead(_ store: some BlobStore) async throws {
        let id = UploadID()
        try await store.createUpload(id)
        let first = ByteBuffer(bytes: Array(repeating: 1, count: 1000))
        let second = ByteBuffer(bytes: Array(repeating: 2, count: 500))
        var (size, hasher) = try await store.append(
            to: id, at: 0, body: Chunks([first]), limit: 10_000, expectedLength: nil, hasher: DigestHasher(.sha256))
        #expect(size == 1000)
        (size, hasher) = try await store.append(
            to: id, at: 1000, body: Chunks([second]), limit: 10_000, expectedLength: 500, hasher: hasher)
        #expect(size == 1500)
        #expect(try await store.uploadSize(id) == 1500)
        let digest = try #require(hasher).finalize()
        #expect(digest == DigestHasher.digest(of: Array(repeating: UInt8(1), count: 1000) + Array(repeating: 2, count: 500)))
        try await store.commitUpload(id, as: digest)
        #expect(try await store.uploadSize(id) == nil)
        #expect(try await store.size(of: digest) == 1500)
        var read: [UInt8] = []
        try await store.read(digest, range: 995...1004) { read += Array(buffer: $0) }
        #expect(read == Array(repeating: 1, count: 5) + Array(repeating: 2, count: 5))
    }

    static func failedAppendLeavesUploadUnchanged(_ store: some BlobStore) async throws {
        let id = UploadID()
        try await store.createUpload(id)
        _ = try await store.append(
            to: id, at: 0, body: Chunks([ByteBuffer(bytes: [1, 2, 3])]), limit: 100, expectedLength: nil, hasher: DigestHasher(.sha256))
        await #expect(throws: RegistryError.self) {
            _ = try await store.append(
                to: id, at: 3, body: Chunks([ByteBuffer(bytes: Array(repeating: 9, count: 200))]), limit: 100, expectedLength: nil,
                hasher: DigestHasher(.sha256))
        }
        #expect(try await store.uploadSize(id) == 3)
        await #expect(throws: RegistryError.self) {
            _ = try await store.append(
                to: id, at: 3, body: Chunks([ByteBuffer(bytes: [4])]), limit: 100, expectedLength: 2, hasher: DigestHasher(.sha256))
        }
        #expect(try await store.uploadSize(id) == 3)
        try await store.deleteUpload(id)
    }

    static func committingExistingContentKeepsOneCopy(_ store: some BlobStore) async throws {
        let bytes: [UInt8] = Array("same bytes".utf8)
        let digest = DigestHasher.digest(of: bytes)
        for _ in 0..<2 {
            let id = UploadID()
            try await store.createUpload(id)
            _ = try await store.append(
                to: id, at: 0, body: Chunks([ByteBuffer(bytes: bytes)]), limit: 100, expectedLength: nil, hasher: DigestHasher(.sha256))
            try await store.commitUpload(id, as: digest)
            #expect(try await store.uploadSize(id) == nil)
        }
        #expect(try await store.size(of: digest) == Int64(bytes.count))
    }

    /// A commit that hashes the bytes itself (no hash state was kept): the right digest commits,
    /// another is refused with DIGEST_INVALID and the upload discarded.
    static func verifyingCommitChecksTheContent(_ store: some BlobStore) async throws {
        let digest = DigestHasher.digest(of: Array(repeating: UInt8(7), count: 3000))
        let wrong = DigestHasher.digest(of: Array("other".utf8))
        for (claimed, accepted) in [(wrong, false), (digest, true)] {
            let id = UploadID()
            try await store.createUpload(id)
            let (size, hasher) = try await store.append(
                to: id, at: 0, body: Chunks([ByteBuffer(bytes: Array(repeating: 7, count: 1000))]), limit: 10_000, expectedLength: nil, hasher: nil)
            #expect(size == 1000 && hasher == nil)
            _ = try await store.append(
                to: id, at: 1000, body: Chunks([ByteBuffer(bytes: Array(repeating: 7, count: 2000))]), limit: 10_000, expectedLength: 2000,
                hasher: nil, isLast: true)
            if accepted {
                try await store.commitUpload(id, as: claimed, verifying: true)
                #expect(try await store.size(of: digest) == 3000)
            } else {
                await #expect { try await store.commitUpload(id, as: claimed, verifying: true) } throws: {
                    ($0 as? RegistryError)?.code == .digestInvalid
                }
                #expect(try await store.size(of: wrong) == nil)
            }
            #expect(try await store.uploadSize(id) == nil)
        }
    }

    static func absentThingsAreReportedAsAbsent(_ store: some BlobStore) async throws {
        let digest = DigestHasher.digest(of: Array("never stored".utf8))
        #expect(try await store.size(of: digest) == nil)
        await #expect {
            try await store.read(digest, range: 0...1) { _ in }
        } throws: { ($0 as? RegistryError)?.code == .blobUnknown }
        await #expect {
            _ = try await store.append(
                to: UploadID(), at: 0, body: Chunks([]), limit: 1, expectedLength: nil, hasher: DigestHasher(.sha256))
        } throws: { ($0 as? RegistryError)?.code == .blobUploadUnknown }
    }
}

/// A finite async sequence of buffers.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    init(_ buffers: [ByteBuffer]) { self.buffers = buffers }

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [ByteBuffer]
        mutating func next() async throws -> ByteBuffer? { remaining.isEmpty ? nil : remaining.removeFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: buffers) }
}

/// A fresh temporary directory removed by `cleanup`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
