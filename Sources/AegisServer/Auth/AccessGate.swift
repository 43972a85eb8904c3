import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// How a request proved who it is.
enum Credential: Sendable {
    case anonymous
    case basic(Principal)
    case bearer(VerifiedToken)
}

/// What the gate established for one request: who, and through which credential.
struct Access: Sendable {
    let credential: Credential
    let gate: AccessGate

    /// Whether the caller may pull `name` (used for mount sources).
    func canPull(_ name: RepositoryName) async throws -> Bool {
        switch credential {
        case .anonymous: false
        case .basic(let principal): gate.authorizer.decide(principal, .pull, on: name, isPublic: false).allowed
        case .bearer(let token): token.allows("pull", onRepository: name.value)
        }
    }

    /// The principal with its current roles (loaded for bearer tokens).
    func principal() async throws -> Principal {
        switch credential {
        case .anonymous: return .anonymous
        case .basic(let principal): return principal
        case .bearer(let token):
            guard !token.subject.isEmpty else { return .anonymous }
            return try await gate.identity.principal(subject: token.subject) ?? .anonymous
        }
    }
}

/// The one gate every `/v2` request passes: authentication (Basic, bearer token or none), then the
/// `Authorizer`, then an audit record. It decides before anything is looked up, so a refusal is
/// the same whether or not the repository exists.
struct AccessGate: Sendable {
    let identity: IdentityService
    let tokens: TokenService
    let authorizer: Authorizer
    let audit: AuditLog
    /// Public base URL for the token realm; nil derives it from the request's `Host`.
    let publicURL: String?
    let publicRepositories: PublicRepositoryCache

    /// What a route needs.
    enum Requirement {
        case authenticated
        case catalog
        case repository(RepositoryName, RepositoryAction)
    }

    /// Authenticates and authorizes one request, recording the decision.
    /// - Throws: `AuthChallenge` (401 with a challenge, or 403).
    func check(_ requirement: Requirement, request: Request, requestID: String) async throws -> Access {
        let credential = try await authenticate(request)
        let (allowed, reason) = try await decide(requirement, credential)
        record(requirement, credential: credential, allowed: allowed, reason: reason, requestID: requestID)
        guard allowed else { throw refusal(requirement, credential: credential, request: request, reason: reason) }
        return Access(credential: credential, gate: self)
    }

    func authenticate(_ request: Request) async throws -> Credential {
        guard let header = request.headers[.authorization] else { return .anonymous }
        if let token = Self.value(of: header, scheme: "Bearer") {
            if let verified = try? await tokens.verify(token) {
                if !verified.isRefresh { return .bearer(verified) }
            } else if let oidc = identity.oidc, let principal = try? await oidc.principal(for: token) {
                // An OIDC access token: authorized by the roles its claims map to, like Basic.
                return .basic(principal)
            }
            throw AuthChallenge.unauthorized(
                realm: realm(for: request), service: tokens.service, scope: nil, error: "invalid_token",
                message: "the bearer token is invalid or expired")
        }
        if let (username, password) = Self.basicCredentials(header) {
            do {
                return .basic(try await identity.authenticate(username: username, password: password))
            } catch {
                throw AuthChallenge.unauthorized(
                    realm: realm(for: request), service: tokens.service, scope: nil, message: "invalid user name or password")
            }
        }
        throw AuthChallenge.unauthorized(
            realm: realm(for: request), service: tokens.service, scope: nil, message: "unsupported authorization scheme")
    }

    private func decide(_ requirement: Requirement, _ credential: Credential) async throws -> (Bool, String) {
        switch (requirement, credential) {
        case (.authenticated, .anonymous), (.catalog, .anonymous):
            return (false, "authentication required")
        case (.authenticated, _):
            return (true, "authenticated")
        case (.catalog, .basic):
            return (true, "authenticated; the listing is filtered")
        case (.catalog, .bearer(let token)):
            return token.allowsCatalog ? (true, "token grants registry:catalog:*") : (false, "token lacks registry:catalog:*")
        case (.repository(let name, let action), .bearer(let token)):
            let allowed = token.allows(action.rawValue, onRepository: name.value)
            return (allowed, allowed ? "token grants \(action.rawValue)" : "token does not grant \(action.rawValue) on \(name)")
        case (.repository(let name, let action), .basic(let principal)):
            let isPublic = action == .pull ? try await publicRepositories.isPublic(name) : false
            let decision = authorizer.decide(principal, action, on: name, isPublic: isPublic)
            return (decision.allowed, decision.reason)
        case (.repository(let name, let action), .anonymous):
            let isPublic = action == .pull ? try await publicRepositories.isPublic(name) : false
            let decision = authorizer.decide(.anonymous, action, on: name, isPublic: isPublic)
            return (decision.allowed, decision.reason)
        }
    }

    private func refusal(_ requirement: Requirement, credential: Credential, request: Request, reason: String) -> AuthChallenge {
        var scope: String? =
            switch requirement {
            case .authenticated: nil
            case .catalog: "registry:catalog:*"
            case .repository(let name, .push): "repository:\(name):pull,push"
            case .repository(let name, let action): "repository:\(name):\(action.rawValue)"
            }
        // A cross-repository mount also reads its source: ask for both, as Distribution does, so a
        // client that requests exactly the challenged scope gets a token that can mount.
        if case .repository(_, .push) = requirement, request.query("mount") != nil,
            let source = request.query("from").flatMap({ try? RepositoryName($0) })
        {
            scope = (scope.map { $0 + " " } ?? "") + "repository:\(source):pull"
        }
        switch credential {
        case .anonymous:
            return .unauthorized(
                realm: realm(for: request), service: tokens.service, scope: scope, message: "authentication required")
        case .bearer:
            return .unauthorized(
                realm: realm(for: request), service: tokens.service, scope: scope, error: "insufficient_scope",
                message: "the token does not grant this access")
        case .basic:
            return .denied("requested access to the resource is denied")
        }
    }

    private func record(_ requirement: Requirement, credential: Credential, allowed: Bool, reason: String, requestID: String) {
        let (action, resource, tenant): (String, String, String?) =
            switch requirement {
            case .authenticated: ("login", "registry", nil)
            case .catalog: ("catalog", "registry:catalog", nil)
            case .repository(let name, let action): (action.rawValue, "repository:\(name)", name.tenant.value)
            }
        audit.record(
            AuditRecord(
                time: Date(), requestID: requestID, principal: Self.describe(credential), tenant: tenant, action: action,
                resource: resource, allowed: allowed, reason: reason))
    }

    /// The token endpoint clients are sent to.
    func realm(for request: Request) -> String {
        if let publicURL { return publicURL + "/token" }
        return "http://\(request.head.authority ?? "localhost")/token"
    }

    static func describe(_ credential: Credential) -> String {
        switch credential {
        case .anonymous: "anonymous"
        case .basic(let principal): principal.description
        case .bearer(let token): token.subject.isEmpty ? "anonymous" : "token:\(token.subject)"
        }
    }

    /// The credentials after `<scheme> ` (scheme case-insensitive), without Foundation string work:
    /// this runs on every request.
    static func value(of header: String, scheme: String) -> String? {
        let bytes = header.utf8
        let prefix = scheme.utf8.count
        guard bytes.count > prefix + 1, bytes[bytes.index(bytes.startIndex, offsetBy: prefix)] == UInt8(ascii: " "),
            zip(bytes.prefix(prefix), scheme.utf8).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return nil }
        let value = header.utf8.dropFirst(prefix + 1).drop { $0 == UInt8(ascii: " ") }
        return String(Substring(value))
    }

    static func basicCredentials(_ header: String) -> (String, String)? {
        guard let encoded = value(of: header, scheme: "Basic"), let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
