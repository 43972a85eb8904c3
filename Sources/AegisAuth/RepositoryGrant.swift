import AegisCore

/// A role on one repository, or on every repository below a path (`acme/team-a/*`), given to a user
/// beyond its tenant role.
public struct RepositoryGrant: Sendable, Hashable {
    /// An exact repository name, or a path ending in `/*`.
    public var pattern: String
    public var role: Role

    /// Creates a grant. - Throws: `NAME_INVALID` for a pattern that names no repository path.
    public init(pattern: String, role: Role) throws {
        let path = pattern.hasSuffix("/*") ? String(pattern.dropLast(2)) : pattern
        // A prefix may be a tenant alone (`acme/*`); an exact name must be a full repository name.
        if pattern.hasSuffix("/*"), !path.contains("/") {
            _ = try TenantID(path)
        } else {
            _ = try RepositoryName(path)
        }
        self.pattern = pattern
        self.role = role
    }

    /// The tenant the grant lies in.
    public var tenant: TenantID { TenantID(unchecked: String(pattern.prefix { $0 != "/" })) }

    /// Whether the grant covers `repository`.
    public func covers(_ repository: RepositoryName) -> Bool {
        if pattern.hasSuffix("/*") { return repository.value.hasPrefix(pattern.dropLast()) }
        return repository.value == pattern
    }
}
