/// A validated tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The tag text.
    public let value: String

    /// Validates a tag.
    /// - Throws: `TAG_INVALID` when the tag breaks the grammar or exceeds 128 characters.
    public init(_ value: some StringProtocol) throws {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= RegistryLimits.maxTagLength else {
            throw RegistryError(.tagInvalid, "tag must be 1 to \(RegistryLimits.maxTagLength) characters")
        }
        guard Self.isWord(first), bytes.dropFirst().allSatisfy({ Self.isWord($0) || $0 == 0x2E || $0 == 0x2D }) else {
            throw RegistryError(.tagInvalid, "tag must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
        }
        self.value = String(value)
    }

    public var description: String { value }

    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }

    private static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
    }
}

/// What a manifest URL names: a tag or a digest.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(Digest)

    /// Parses a `<reference>` path component.
    /// - Throws: `DIGEST_INVALID`/`UNSUPPORTED` for a bad digest, `TAG_INVALID` for a bad tag.
    public init(parsing text: some StringProtocol) throws {
        if Digest.looksLikeDigest(text) {
            self = .digest(try Digest(parsing: text))
        } else {
            self = .tag(try Tag(text))
        }
    }

    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}
