import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// The one gate every registry request passes, whatever the surface: authentication (a password,
/// robot key, OIDC token, registry token or none), then the `Authorizer`, then an audit record.
/// It decides before anything is looked up, so a refusal is the same whether or not the
/// repository exists.
public struct RegistryAccess: Sendable {
    public let identity: IdentityService
    public let tokens: TokenService
    public let authorizer: Authorizer
    let audit: AuditLog
    let publicRepositories: PublicRepositoryCache

    public init(operations: Operations, tokens: TokenService, authorizer: Authorizer = Authorizer()) {
        identity = operations.identity
        self.tokens = tokens
        self.authorizer = authorizer
        audit = operations.authorization.audit
        publicRepositories = operations.publicRepositories
    }

    /// Checks the presented credential.
    /// - Parameter client: the client's address, for login throttling.
    /// - Throws: `AccessRefusal` (`invalidToken`, `badCredentials`, `unsupportedScheme`, `throttled`).
    public func authenticate(_ presented: PresentedCredential, client: String? = nil) async throws -> Credential {
        switch presented {
        case .none:
            return .anonymous
        case .bearer(let token):
            if let verified = try? await tokens.verify(token) {
                if !verified.isRefresh { return .bearer(verified) }
            } else if let oidc = identity.oidc, let principal = try? await oidc.principal(for: token) {
                // An OIDC access token: authorized by the roles its claims map to, like a password.
                return .basic(principal)
            }
            throw AccessRefusal(.invalidToken, "the bearer token is invalid or expired")
        case .basic(let username, let password):
            do {
                return .basic(try await identity.authenticate(username: username, password: password, client: client))
            } catch let error as AuthError where error.code == .throttled {
                throw AccessRefusal(.throttled, error.message, retryAfter: error.retryAfter)
            } catch {
                throw AccessRefusal(.badCredentials, "invalid user name or password")
            }
        case .certificate(let certificate):
            do {
                return .basic(try await identity.principal(certificate: certificate))
            } catch let error as AuthError {
                throw AccessRefusal(.badCredentials, error.message)
            }
        case .unsupported:
            throw AccessRefusal(.unsupportedScheme, "unsupported authorization scheme")
        }
    }

    /// Authenticates and authorizes one request, recording the decision.
    /// - Parameter mountSource: the source of a cross-repository mount, for the refusal's scope.
    /// - Throws: `AccessRefusal`.
    public func check(
        _ requirement: AccessRequirement, _ presented: PresentedCredential, client: String? = nil, requestID: String,
        mountSource: RepositoryName? = nil
    ) async throws -> Access {
        let credential: Credential
        do {
            credential = try await authenticate(presented, client: client)
        } catch let refusal as AccessRefusal {
            if case .certificate(let certificate) = presented {
                // A certificate that maps to no usable robot is a failed login: audited.
                recordCertificateRefusal(certificate, refusal, requirement: requirement, requestID: requestID)
            }
            throw refusal
        }
        let decision = try await decide(requirement, credential)
        record(requirement, credential: credential, decision: decision, requestID: requestID)
        guard decision.allowed else {
            let scope = requirement.challengeScope(mountSource: mountSource)
            switch credential {
            case .anonymous: throw AccessRefusal(.authenticationRequired, scope: scope, "authentication required")
            case .bearer: throw AccessRefusal(.insufficientScope, scope: scope, "the token does not grant this access")
            case .basic: throw AccessRefusal(.denied, scope: scope, "requested access to the resource is denied")
            }
        }
        return Access(credential: credential, access: self)
    }

    /// The principal behind a credential, with its current roles (loaded for registry tokens).
    public func principal(of credential: Credential) async throws -> Principal {
        switch credential {
        case .anonymous: return .anonymous
        case .basic(let principal): return principal
        case .bearer(let token):
            guard !token.subject.isEmpty else { return .anonymous }
            return try await identity.principal(subject: token.subject) ?? .anonymous
        }
    }

    /// The repositories the catalog shows `principal`: those of tenants and grants that allow
    /// pulling; nil (all) for a system administrator.
    public func catalogFilter(for principal: Principal) -> RepositoryFilter? {
        guard !principal.isSystemAdmin else { return nil }
        let grants = principal.grants.filter { $0.role.permissions.contains(.pull) }.map(\.pattern)
        return RepositoryFilter(
            tenants: principal.roles.filter { $0.value.permissions.contains(.pull) }.map(\.key),
            names: grants.filter { !$0.hasSuffix("/*") }, prefixes: grants.filter { $0.hasSuffix("/*") }.map { String($0.dropLast()) })
    }

    private func decide(_ requirement: AccessRequirement, _ credential: Credential) async throws -> Decision {
        switch (requirement, credential) {
        case (.authenticated, .anonymous), (.catalog, .anonymous):
            return Decision(allowed: false, reason: "authentication required")
        case (.authenticated, _):
            return Decision(allowed: true, reason: "authenticated")
        case (.catalog, .basic):
            return Decision(allowed: true, reason: "authenticated; the listing is filtered")
        case (.catalog, .bearer(let token)):
            return token.allowsCatalog
                ? Decision(allowed: true, reason: "token grants registry:catalog:*")
                : Decision(allowed: false, reason: "token lacks registry:catalog:*")
        case (.repository(let name, let action), .bearer(let token)):
            let allowed = token.allows(action.rawValue, onRepository: name.value)
            return Decision(
                allowed: allowed, reason: allowed ? "token grants \(action.rawValue)" : "token does not grant \(action.rawValue) on \(name)")
        case (.repository(let name, let action), .basic(let principal)):
            return authorizer.decide(principal, action, on: name, isPublic: try await isPublic(name, for: action))
        case (.repository(let name, let action), .anonymous):
            return authorizer.decide(.anonymous, action, on: name, isPublic: try await isPublic(name, for: action))
        }
    }

    private func isPublic(_ name: RepositoryName, for action: RepositoryAction) async throws -> Bool {
        action == .pull ? try await publicRepositories.isPublic(name) : false
    }

    private func record(_ requirement: AccessRequirement, credential: Credential, decision: Decision, requestID: String) {
        record(requirement, principal: credential.auditName, allowed: decision.allowed, reason: decision.reason, requestID: requestID)
    }

    private func recordCertificateRefusal(
        _ certificate: ClientCertificate, _ refusal: AccessRefusal, requirement: AccessRequirement, requestID: String
    ) {
        let principal = "certificate:" + (certificate.identities.first ?? "")
        record(requirement, principal: principal, allowed: false, reason: refusal.message, requestID: requestID)
    }

    private func record(_ requirement: AccessRequirement, principal: String, allowed: Bool, reason: String, requestID: String) {
        let (action, resource, tenant): (String, String, String?) =
            switch requirement {
            case .authenticated: ("login", "registry", nil)
            case .catalog: ("catalog", "registry:catalog", nil)
            case .repository(let name, let action): (action.rawValue, "repository:\(name)", name.tenant.value)
            }
        audit.record(
            AuditRecord(
                time: Date(), requestID: requestID, principal: principal, tenant: tenant, action: action, resource: resource,
                allowed: allowed, reason: reason))
    }
}

/// What the gate established for one request: who, and through which credential.
public struct Access: Sendable {
    public let credential: Credential
    let access: RegistryAccess

    /// Whether the caller may mount a blob from `source` into `tenant`: a mount reads its source,
    /// so the caller must be allowed to pull it (without a source, to pull anywhere in the
    /// tenant). A public source does not count: mounting would copy its bytes into the tenant.
    public func mayMount(from source: RepositoryName?, into tenant: TenantID) async throws -> Bool {
        guard let source else { return try await principal().has(.pull, in: tenant) }
        switch credential {
        case .anonymous: return false
        case .basic(let principal): return access.authorizer.decide(principal, .pull, on: source, isPublic: false).allowed
        case .bearer(let token): return token.allows("pull", onRepository: source.value)
        }
    }

    /// The principal with its current roles.
    public func principal() async throws -> Principal { try await access.principal(of: credential) }
}
