import AegisCore

/// One trusted OpenID Connect issuer (Keycloak, Dex, Entra ID…) and how its claims map to roles.
public struct OIDCIssuer: Sendable, Hashable {
    /// A short name, prefixed to user names (`keycloak:alice`) so they never collide with local users.
    public var name: String
    /// The exact `iss` value, also the base of discovery (`<issuer>/.well-known/openid-configuration`).
    public var issuer: String
    /// Accepted when it is in `aud` or equals `azp` (Keycloak puts the client in `azp`).
    public var audience: String
    /// The claim naming the user (`preferred_username`, `email`, `sub`).
    public var usernameClaim: String = "preferred_username"
    /// Dotted path of the claim listing roles or groups: `realm_access.roles`,
    /// `resource_access.<client>.roles` or `groups`.
    public var rolesClaim: String = "realm_access.roles"
    /// Claim value → `tenant:role`. Values of the form `aegis:<tenant>:<role>` map without an entry.
    public var roleMap: [String: String] = [:]
    /// Claim values that make the user a system administrator.
    public var adminValues: [String] = []

    /// Creates an issuer configuration.
    public init(name: String, issuer: String, audience: String) {
        self.name = name
        self.issuer = issuer
        self.audience = audience
    }

    /// The principal a verified set of claims describes; nil when the username claim is missing.
    public func principal(from claims: [String: Any]) -> Principal? {
        guard let username = Self.value(at: usernameClaim, in: claims) as? String, !username.isEmpty else { return nil }
        var values = (Self.value(at: rolesClaim, in: claims) as? [Any] ?? []).compactMap { $0 as? String }
        // Keycloak group paths start with a slash.
        values = values.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        var roles: [TenantID: Role] = [:]
        for value in values {
            let mapped = roleMap[value] ?? (value.hasPrefix("aegis:") ? String(value.dropFirst("aegis:".count)) : nil)
            guard let mapped, let colon = mapped.lastIndex(of: ":"), let tenant = try? TenantID(mapped[..<colon]),
                let role = Role(rawValue: String(mapped[mapped.index(after: colon)...]))
            else { continue }
            // Several claims for one tenant: the strongest role wins.
            if let current = roles[tenant], current.permissions.count >= role.permissions.count { continue }
            roles[tenant] = role
        }
        return Principal(
            kind: .user, name: "\(name):\(username)", isSystemAdmin: values.contains { adminValues.contains($0) }, roles: roles)
    }

    static func value(at path: String, in claims: [String: Any]) -> Any? {
        var current: Any? = claims
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }
}
