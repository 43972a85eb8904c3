import Foundation

/// A content digest as defined by the OCI image spec: `<algorithm>:<encoded>`.
///
/// Only the algorithms the registry can verify are representable; parsing anything else throws
/// `DIGEST_INVALID` (or `UNSUPPORTED` for a well-formed digest with an unknown algorithm).
public struct Digest: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The hash algorithm.
    public let algorithm: DigestAlgorithm
    /// The lowercase hex encoding of the hash.
    public let encoded: String

    /// Creates a digest from its parts, validating the encoding for the algorithm.
    /// - Throws: `RegistryError` with code `DIGEST_INVALID` when the hex part is malformed.
    public init(algorithm: DigestAlgorithm, encoded: String) throws {
        guard encoded.utf8.count == algorithm.hexLength, encoded.utf8.allSatisfy(Self.isLowerHex) else {
            throw RegistryError(.digestInvalid, "digest encoding is not \(algorithm.hexLength) lowercase hex characters")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// Parses `algorithm:encoded`.
    /// - Throws: `DIGEST_INVALID` for malformed text, `UNSUPPORTED` for an unknown algorithm.
    public init(parsing text: some StringProtocol) throws {
        guard text.utf8.count <= 256, let colon = text.firstIndex(of: ":") else {
            throw RegistryError(.digestInvalid, "digest must have the form <algorithm>:<hex>")
        }
        let name = String(text[..<colon])
        let encoded = String(text[text.index(after: colon)...])
        guard Self.isValidAlgorithmName(name), !encoded.isEmpty else {
            throw RegistryError(.digestInvalid, "digest must have the form <algorithm>:<hex>")
        }
        guard let algorithm = DigestAlgorithm(rawValue: name) else {
            throw RegistryError(.unsupportedParameter, "digest algorithm '\(name)' is not supported (sha256, sha512)")
        }
        try self.init(algorithm: algorithm, encoded: encoded)
    }

    /// `algorithm:encoded`.
    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// Whether the text looks like a digest (contains a colon), as opposed to a tag.
    public static func looksLikeDigest(_ text: some StringProtocol) -> Bool { text.contains(":") }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// The image spec's algorithm grammar: `[a-z0-9]+([+._-][a-z0-9]+)*`.
    private static func isValidAlgorithmName(_ name: String) -> Bool {
        var previousWasSeparator = true
        for byte in name.utf8 {
            let isAlnum = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            let isSeparator = byte == 0x2B || byte == 0x2E || byte == 0x5F || byte == 0x2D
            if isAlnum {
                previousWasSeparator = false
            } else if isSeparator, !previousWasSeparator {
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return !name.isEmpty && !previousWasSeparator
    }
}

/// The digest algorithms the registry computes and verifies.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256
    case sha512

    /// Length of the hex encoding.
    public var hexLength: Int {
        switch self {
        case .sha256: 64
        case .sha512: 128
        }
    }
}
