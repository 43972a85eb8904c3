/// A validated repository name, `<tenant>/<path…>`, following the distribution spec grammar.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The full name, e.g. `acme/models/resnet`.
    public let value: String

    /// The tenant owning the repository: the first path component.
    public var tenant: TenantID { TenantID(unchecked: String(value.prefix { $0 != "/" })) }

    /// Validates a repository name.
    /// - Parameters:
    ///   - value: The name as it appears in the URL path.
    ///   - maxLength: The longest accepted name in bytes (the limit minus any host prefix).
    /// - Throws: `NAME_INVALID` when the name breaks the grammar, has no tenant component or is too long.
    public init(_ value: some StringProtocol, maxLength: Int = RegistryLimits.default.maxNameLength) throws {
        let value = String(value)
        guard value.utf8.count <= maxLength else {
            throw RegistryError(.nameInvalid, "repository name is longer than \(maxLength) bytes")
        }
        let components = value.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2 else {
            throw RegistryError(.nameInvalid, "repository name must be <tenant>/<repository>")
        }
        guard components.allSatisfy(Self.isValidComponent) else {
            throw RegistryError(.nameInvalid, "repository name must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/…)*")
        }
        self.value = value
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlnum(bytes[index]) {
                index += 1
                continue
            }
            // A separator run: ".", "_", "__" or one or more "-".
            let start = index
            while index < bytes.count, !isAlnum(bytes[index]) { index += 1 }
            let run = bytes[start..<index]
            let valid =
                run.elementsEqual([0x2E]) || run.elementsEqual([0x5F]) || run.elementsEqual([0x5F, 0x5F])
                || run.allSatisfy { $0 == 0x2D }
            if !valid { return false }
        }
        return true
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
