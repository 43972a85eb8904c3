/// A pattern over tags, as immutability rules name them: `v*`, `release-?.*`, `latest`. `*`
/// matches any run of characters (none included), `?` exactly one; every other character itself.
public struct TagPattern: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// - Throws: `TAG_INVALID` for an empty pattern, one over 128 characters, or characters no tag has.
    public init(_ value: String) throws {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= RegistryLimits.maxTagLength else {
            throw RegistryError(.tagInvalid, "a tag pattern must be 1 to \(RegistryLimits.maxTagLength) characters")
        }
        guard bytes.allSatisfy({ Self.isTagByte($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }) else {
            throw RegistryError(.tagInvalid, "a tag pattern has the characters of tags [a-zA-Z0-9._-] and the wildcards * and ?")
        }
        self.value = value
    }

    public var description: String { value }

    public func matches(_ tag: Tag) -> Bool {
        Self.matches(Array(value.utf8)[...], Array(tag.value.utf8)[...])
    }

    /// Glob matching with backtracking to the last `*` only: linear in practice, quadratic at worst
    /// (128 × 128 steps), never exponential.
    static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var (p, t) = (pattern.startIndex, text.startIndex)
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                t = last.text + 1
                star = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }

    private static func isTagByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2E
            || byte == 0x2D
    }
}
