import AegisAuth
import AegisCore

/// A credential as a request presented it, before it is checked: what each surface parses out of
/// its own headers (`Authorization` on HTTP; metadata on gRPC).
public enum PresentedCredential: Sendable, Hashable {
    case none
    case bearer(String)
    case basic(username: String, password: String)
    /// No `Authorization`, but a client certificate the TLS handshake verified.
    case certificate(ClientCertificate)
    /// A scheme the registry does not accept, or a malformed value.
    case unsupported
}

/// How a request proved who it is, once checked.
public enum Credential: Sendable {
    case anonymous
    /// A password, robot key or OIDC access token: authorized by the principal's roles and grants.
    case basic(Principal)
    /// A registry token: authorized by exactly the scopes it carries.
    case bearer(VerifiedToken)

    /// The principal as the audit log and the usage records name it.
    public var auditName: String {
        switch self {
        case .anonymous: "anonymous"
        case .basic(let principal): principal.description
        case .bearer(let token): token.subject.isEmpty ? "anonymous" : "token:\(token.subject)"
        }
    }
}

/// What a registry request needs from its caller.
public enum AccessRequirement: Sendable, Hashable {
    /// Any known caller (`GET /v2/`).
    case authenticated
    /// The repository listing, filtered to what the caller may pull.
    case catalog
    case repository(RepositoryName, RepositoryAction)

    /// The token scope that meets the requirement, for the challenge of a refusal: a push asks
    /// for pull too, and a cross-repository mount also for its source (as Distribution does), so
    /// a client that requests exactly the challenged scope gets a token that works.
    public func challengeScope(mountSource: RepositoryName?) -> String? {
        switch self {
        case .authenticated: return nil
        case .catalog: return "registry:catalog:*"
        case .repository(let name, .push):
            let scope = "repository:\(name):pull,push"
            return mountSource.map { scope + " repository:\($0):pull" } ?? scope
        case .repository(let name, let action): return "repository:\(name):\(action.rawValue)"
        }
    }
}

/// Why a request was refused before anything was looked up. Each surface renders it its own way
/// (`/v2`: 401 with a bearer challenge naming `scope`, or 403 `DENIED`).
public struct AccessRefusal: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A bearer token that does not verify (expired, forged, a refresh token).
        case invalidToken
        /// A user name and password (or robot key) that do not match.
        case badCredentials
        case unsupportedScheme
        /// An anonymous caller where a principal is needed.
        case authenticationRequired
        /// A valid token without the scope the request needs.
        case insufficientScope
        /// A principal whose roles and grants do not allow the request.
        case denied
        /// Too many failed password checks for the user name or the client address.
        case throttled
    }

    public let kind: Kind
    /// The scope that would meet the requirement (see `AccessRequirement.challengeScope`).
    public let scope: String?
    public let message: String
    /// Seconds a throttled caller must wait.
    public let retryAfter: Int?

    public init(_ kind: Kind, scope: String? = nil, _ message: String, retryAfter: Int? = nil) {
        self.kind = kind
        self.scope = scope
        self.message = message
        self.retryAfter = retryAfter
    }
}
