/// The identifier of a tenant: a single repository-name component (`acme`).
public struct TenantID: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The tenant's name.
    public let value: String

    /// Validates a tenant name: one component of the repository grammar, at most 64 bytes.
    /// - Throws: `NAME_INVALID` otherwise.
    public init(_ value: some StringProtocol) throws {
        guard value.utf8.count <= 64, RepositoryName.isValidComponent(Substring(value)) else {
            throw RegistryError(.nameInvalid, "tenant name must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)* and be at most 64 bytes")
        }
        self.value = String(value)
    }

    /// For values already validated as part of a repository name.
    package init(unchecked value: String) { self.value = value }

    public var description: String { value }

    public static func < (lhs: TenantID, rhs: TenantID) -> Bool { lhs.value < rhs.value }
}
