import AegisCore

/// Who is making a request, as established by authentication.
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// What kind of identity this is.
    public enum Kind: String, Sendable, Hashable, Codable {
        case user
        case robot
        case anonymous
        /// Whoever runs the `aegisguard` commands on the machine: they can open the data directory,
        /// so they administer it (the CLI's management commands act as this principal).
        case localOperator = "operator"
    }

    /// The identity kind.
    public var kind: Kind
    /// The subject: a user name, `robot$<tenant>+<name>`, or empty when anonymous.
    public var name: String
    /// A system administrator may do everything in every tenant.
    public var isSystemAdmin: Bool
    /// Roles per tenant.
    public var roles: [TenantID: Role]
    /// Roles on single repositories or repository paths.
    public var grants: [RepositoryGrant]

    /// Creates a principal.
    public init(kind: Kind, name: String, isSystemAdmin: Bool = false, roles: [TenantID: Role] = [:], grants: [RepositoryGrant] = []) {
        self.kind = kind
        self.name = name
        self.isSystemAdmin = isSystemAdmin
        self.roles = roles
        self.grants = grants
    }

    /// The local operator (see `Kind.localOperator`), named after the account running the command.
    public static func localOperator(_ account: String) -> Principal {
        Principal(kind: .localOperator, name: account.isEmpty ? "unknown" : account, isSystemAdmin: true)
    }

    /// Nobody: allowed only what public repositories offer.
    public static let anonymous = Principal(kind: .anonymous, name: "")

    /// Whether the principal holds `permission` in `tenant`.
    public func has(_ permission: Permission, in tenant: TenantID) -> Bool {
        isSystemAdmin || (roles[tenant]?.permissions.contains(permission) ?? false)
    }

    public var description: String { kind == .anonymous ? "anonymous" : "\(kind.rawValue):\(name)" }
}
