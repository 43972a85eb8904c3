import AegisCore
import NIOCore

/// Counts, bounds and hashes the chunks of a request body as they pass.
struct BodyReader {
    let offset: Int64
    let limit: Int64
    let expectedLength: Int64?
    var hasher: DigestHasher?
    private(set) var received: Int64 = 0

    init(offset: Int64, limit: Int64, expectedLength: Int64?, hasher: DigestHasher?) {
        self.offset = offset
        self.limit = limit
        self.expectedLength = expectedLength
        self.hasher = hasher
    }

    /// Takes one chunk.
    /// - Throws: `SIZE_INVALID` past the declared length, `payloadTooLarge` past the limit.
    mutating func take(_ chunk: ByteBuffer) throws {
        received += Int64(chunk.readableBytes)
        if let expectedLength, received > expectedLength { throw lengthMismatch(expectedLength) }
        guard offset + received <= limit else { throw RegistryError(.payloadTooLarge, "body exceeds the limit of \(limit) bytes") }
        if hasher != nil { chunk.withUnsafeReadableBytes { hasher?.update($0) } }
    }

    /// Checks the body's end. - Throws: `SIZE_INVALID` when it is shorter than declared.
    func finish() throws {
        if let expectedLength, received != expectedLength { throw lengthMismatch(expectedLength) }
    }

    /// Whether `body` has no bytes (it is read to the first one).
    func isEmpty<Body: AsyncSequence>(_ body: Body) async throws -> Bool where Body.Element == ByteBuffer {
        for try await chunk in body where chunk.readableBytes > 0 { return false }
        return true
    }

    private func lengthMismatch(_ expected: Int64) -> RegistryError {
        RegistryError(.sizeInvalid, "body length does not match the declared length of \(expected) bytes")
    }
}
