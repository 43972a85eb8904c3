import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// The Docker token service's rules: who gets a token, for which part of the scopes asked, who
/// pays, and what the audit log says. The surface parses the request and renders the OAuth answer.
public struct TokenOperations: Sendable {
    let access: RegistryAccess
    let metering: Metering

    public init(access: RegistryAccess, metering: Metering) {
        self.access = access
        self.metering = metering
    }

    /// Why no token was issued.
    public enum Refusal: Error, Sendable, Hashable {
        /// The request names another token service.
        case wrongService(String)
        case badCredentials
        /// Too many failed logins for the user name or the client address: wait this many seconds.
        case throttled(retryAfter: Int)
        /// The refresh token is invalid, expired or its owner is gone.
        case invalidRefreshToken
    }

    /// A token granted: the access token, the scopes it carries, and a refresh token when asked.
    public struct Grant: Sendable {
        public let token: IssuedToken
        public let scopes: [ResourceScope]
        public let refreshToken: String?
    }

    /// The service tokens are issued for (`service=` in requests and challenges).
    public var service: String { access.tokens.service }

    /// Refuses a request for another service's tokens. - Throws: `Refusal.wrongService`.
    public func checkService(_ requested: String?) throws {
        if let requested, requested != service { throw Refusal.wrongService(service) }
    }

    /// The principal behind a user name and password (or robot key); a failure is audited.
    /// - Parameter client: the client's address, for login throttling.
    /// - Throws: `Refusal.badCredentials` or `Refusal.throttled`.
    public func authenticate(username: String, password: String, client: String? = nil, requestID: String) async throws -> Principal {
        do {
            return try await access.identity.authenticate(username: username, password: password, client: client)
        } catch let error as AuthError where error.code == .throttled {
            record(requestID, principal: username, allowed: false, reason: "throttled", scopes: [])
            throw Refusal.throttled(retryAfter: error.retryAfter ?? 1)
        } catch {
            record(requestID, principal: username, allowed: false, reason: "invalid credentials", scopes: [])
            throw Refusal.badCredentials
        }
    }

    /// The principal a verified client certificate maps to. - Throws: `Refusal.badCredentials`.
    public func authenticate(certificate: ClientCertificate, requestID: String) async throws -> Principal {
        do {
            return try await access.identity.principal(certificate: certificate)
        } catch {
            record(requestID, principal: "certificate:" + (certificate.identities.first ?? ""), allowed: false, reason: "\(error)", scopes: [])
            throw Refusal.badCredentials
        }
    }

    /// The current principal of a refresh token's owner. - Throws: `Refusal.invalidRefreshToken`.
    public func principal(refreshing token: String) async throws -> Principal {
        guard let verified = try? await access.tokens.verify(token), verified.isRefresh,
            let principal = try await access.identity.principal(subject: verified.subject)
        else { throw Refusal.invalidRefreshToken }
        return principal
    }

    /// Issues a token for the part of `requested` that `principal` holds (the token spec's
    /// intersection: what it may not have is dropped, never an error), audits it and bills it.
    /// - Parameter refresh: also issue a refresh token (local identities only: an OIDC user
    ///   refreshes at its own identity provider).
    public func issue(for principal: Principal, requested: [ResourceScope], refresh: Bool, requestID: String, meter: GasMeter?)
        async throws -> Grant
    {
        let scopes = try await access.authorizer.grant(principal, requested: requested) { name in
            try await access.publicRepositories.isPublic(name)
        }
        let token = try await access.tokens.issue(subject: principal.name, access: scopes)
        let wantsRefresh = refresh && principal.kind != .anonymous && !principal.name.contains(":")
        let refreshToken = wantsRefresh ? try await access.tokens.issueRefresh(subject: principal.name) : nil
        record(requestID, principal: principal.description, allowed: true, reason: "token issued", scopes: scopes)
        await bill(meter, principal: principal, granted: scopes)
        return Grant(token: token, scopes: scopes, refreshToken: refreshToken)
    }

    /// A token for one tenant's repositories is that tenant's cost; any other (anonymous, registry
    /// scopes, several tenants) is the registry's own. Never refused for budget: the operations the
    /// token allows are.
    private func bill(_ meter: GasMeter?, principal: Principal, granted: [ResourceScope]) async {
        guard let meter else { return }
        meter.attribute(to: principal.description)
        let tenants = Set(granted.compactMap { $0.type == "repository" ? (try? RepositoryName($0.name))?.tenant : nil })
        guard principal.kind != .anonymous, tenants.count == 1, granted.allSatisfy({ $0.type == "repository" }), let tenant = tenants.first
        else { return }
        try? await metering.bill(meter, to: tenant, principal: principal.description, repository: nil, operation: .tokenIssue, reserving: .nothing)
    }

    private func record(_ requestID: String, principal: String, allowed: Bool, reason: String, scopes: [ResourceScope]) {
        access.audit.record(
            AuditRecord(
                time: Date(), requestID: requestID, principal: principal, tenant: nil, action: "token",
                resource: scopes.isEmpty ? "token" : scopes.map(\.description).joined(separator: " "), allowed: allowed, reason: reason))
    }
}
