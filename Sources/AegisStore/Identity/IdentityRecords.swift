import AegisCore
import Foundation

/// A local user account.
public struct UserRecord: Sendable, Hashable {
    public var name: String
    /// `scrypt$…` (see `PasswordHasher`); never the password.
    public var passwordHash: String
    public var isSystemAdmin: Bool
    public var createdAt: Date

    public init(name: String, passwordHash: String, isSystemAdmin: Bool, createdAt: Date) {
        self.name = name
        self.passwordHash = passwordHash
        self.isSystemAdmin = isSystemAdmin
        self.createdAt = createdAt
    }
}

/// A robot account of one tenant, authenticating with an API key.
public struct RobotRecord: Sendable, Hashable {
    public var tenant: TenantID
    public var name: String
    /// The role name the robot holds in its tenant.
    public var role: Role
    /// SHA-256 (hex) of the API key; the key itself is shown once and never stored.
    public var keyHash: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// The client-certificate identity that authenticates as this robot over mutual TLS: a SPIFFE
    /// ID (`spiffe://…`, matched against the certificate's URI SANs) or a subject distinguished
    /// name in RFC 4514 form (`CN=ci,O=Acme`). At most one active robot holds each.
    public var certificateIdentity: String?

    public init(
        tenant: TenantID, name: String, role: Role, keyHash: String, createdAt: Date, expiresAt: Date?, revokedAt: Date? = nil,
        certificateIdentity: String? = nil
    ) {
        self.tenant = tenant
        self.name = name
        self.role = role
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.certificateIdentity = certificateIdentity
    }
}

/// One authorization decision, as written to the audit log.
public struct AuditRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    public var time: Date
    public var requestID: String
    /// `user:alice`, `robot:robot$acme+ci` or `anonymous`.
    public var principal: String
    /// The tenant the resource belongs to, when there is one.
    public var tenant: String?
    /// `pull`, `push`, `delete`, `catalog`, `token`, …
    public var action: String
    /// What was acted on (`repository:acme/app`).
    public var resource: String
    public var allowed: Bool
    public var reason: String

    public init(
        id: Int64? = nil, time: Date, requestID: String, principal: String, tenant: String?, action: String, resource: String,
        allowed: Bool, reason: String
    ) {
        self.id = id
        self.time = time
        self.requestID = requestID
        self.principal = principal
        self.tenant = tenant
        self.action = action
        self.resource = resource
        self.allowed = allowed
        self.reason = reason
    }
}
