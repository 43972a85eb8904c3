import Crypto
import Foundation

/// Incremental hashing for one of the supported digest algorithms.
///
/// A value type: copying it forks the hash state, which lets an upload remember its state between
/// chunks without re-reading what was already written.
public struct DigestHasher: Sendable {
    private enum State: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State

    /// The algorithm being computed.
    public let algorithm: DigestAlgorithm

    /// Starts a new hash.
    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// Adds bytes to the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha512(hasher)
        }
    }

    /// Adds bytes to the hash.
    public mutating func update(_ bytes: some DataProtocol) {
        for region in bytes.regions {
            region.withUnsafeBytes { update($0) }
        }
    }

    /// The digest of everything added so far; the hasher itself stays usable.
    public func finalize() -> Digest {
        let hex: String
        switch state {
        case .sha256(let hasher): hex = hasher.finalize().hexString
        case .sha512(let hasher): hex = hasher.finalize().hexString
        }
        // The hex of a real hash always has the right length and alphabet.
        return Digest(uncheckedAlgorithm: algorithm, encoded: hex)
    }

    /// Hashes a whole buffer at once.
    public static func digest(of bytes: some DataProtocol, using algorithm: DigestAlgorithm = .sha256) -> Digest {
        var hasher = DigestHasher(algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }
}

extension Digest {
    fileprivate init(uncheckedAlgorithm algorithm: DigestAlgorithm, encoded: String) {
        // Only called with the output of a hash function, which is valid by construction.
        do {
            try self.init(algorithm: algorithm, encoded: encoded)
        } catch {
            preconditionFailure("hash output is always valid hex: \(error)")
        }
    }
}

extension Sequence where Element == UInt8 {
    fileprivate var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
