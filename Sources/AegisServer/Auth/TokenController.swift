import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Docker token service (`GET /token`, OAuth2 `POST /token`) and the public keys
/// (`/.well-known/jwks.json`) that verify its tokens.
struct TokenController: Sendable {
    let gate: AccessGate
    let metering: Metering

    func addRoutes(to router: Router<AegisRequestContext>) {
        router.get("/token") { request, context in try await get(request, context: context) }
        router.post("/token") { request, context in try await post(request, context: context) }
        router.get("/.well-known/jwks.json") { _, _ in
            try json(gate.tokens.jwks, status: .ok)
        }
    }

    /// `GET /token?service=&scope=…&offline_token=` with optional Basic credentials.
    private func get(_ request: Request, context: AegisRequestContext) async throws -> Response {
        try checkService(request.query("service"))
        var principal = Principal.anonymous
        if let header = request.headers[.authorization] {
            guard let (username, password) = AccessGate.basicCredentials(header) else {
                return oauthError(.unauthorized, "invalid_client", "use Basic credentials", basicChallenge: true)
            }
            do {
                principal = try await gate.identity.authenticate(username: username, password: password)
            } catch {
                gate.audit.record(tokenRecord(context, principal: username, allowed: false, reason: "invalid credentials", scopes: []))
                return oauthError(.unauthorized, "invalid_client", "invalid user name or password", basicChallenge: true)
            }
        }
        let requested = ResourceScope.parseList(request.queryValues("scope"))
        let offline = request.query("offline_token") == "true" && principal.kind != .anonymous
        return try await issue(for: principal, requested: requested, refresh: offline, context: context)
    }

    /// OAuth2 `POST /token` (form): `grant_type=password|refresh_token`.
    private func post(_ request: Request, context: AegisRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectSmallBody(upTo: 64 * 1024)
        let form = Self.parseForm(String(buffer: body))
        try checkService(form["service"])
        let principal: Principal
        switch form["grant_type"] {
        case "password":
            guard let username = form["username"], let password = form["password"] else {
                return oauthError(.badRequest, "invalid_request", "username and password are required")
            }
            do {
                principal = try await gate.identity.authenticate(username: username, password: password)
            } catch {
                gate.audit.record(tokenRecord(context, principal: username, allowed: false, reason: "invalid credentials", scopes: []))
                return oauthError(.unauthorized, "invalid_grant", "invalid user name or password")
            }
        case "refresh_token":
            guard let refresh = form["refresh_token"], let verified = try? await gate.tokens.verify(refresh), verified.isRefresh,
                let current = try await gate.identity.principal(subject: verified.subject)
            else {
                return oauthError(.unauthorized, "invalid_grant", "the refresh token is invalid, expired or its owner is gone")
            }
            principal = current
        case .some:
            return oauthError(.badRequest, "unsupported_grant_type", "grant_type must be password or refresh_token")
        case .none:
            return oauthError(.badRequest, "invalid_request", "grant_type is required")
        }
        let requested = ResourceScope.parseList(form["scope"].map { [$0] } ?? [])
        return try await issue(for: principal, requested: requested, refresh: form["access_type"] == "offline", context: context)
    }

    private func issue(for principal: Principal, requested: [ResourceScope], refresh: Bool, context: AegisRequestContext)
        async throws -> Response
    {
        let granted = try await gate.authorizer.grant(principal, requested: requested) { name in
            try await gate.publicRepositories.isPublic(name)
        }
        let issued = try await gate.tokens.issue(subject: principal.name, access: granted)
        var document = TokenResponse(
            token: issued.token, accessToken: issued.token, expiresIn: issued.expiresIn,
            issuedAt: issued.issuedAt.ISO8601Format(), scope: granted.map(\.description).joined(separator: " "))
        // Refresh tokens only for local identities: an OIDC user refreshes at its own IdP.
        if refresh, !principal.name.contains(":") {
            document.refreshToken = try await gate.tokens.issueRefresh(subject: principal.name)
        }
        gate.audit.record(
            tokenRecord(context, principal: principal.description, allowed: true, reason: "token issued", scopes: granted))
        await bill(context.gas, principal: principal, granted: granted)
        return try json(document, status: .ok)
    }

    /// A token for one tenant's repositories is that tenant's cost; any other (anonymous, registry
    /// scopes, several tenants) is the registry's own (see `GasMiddleware`). Never refused for
    /// budget: the operations the token allows are.
    private func bill(_ meter: GasMeter?, principal: Principal, granted: [ResourceScope]) async {
        guard let meter else { return }
        meter.attribute(to: principal.description)
        let tenants = Set(
            granted.compactMap { scope in
                scope.type == "repository" ? (try? RepositoryName(scope.name))?.tenant : nil
            })
        guard principal.kind != .anonymous, tenants.count == 1, granted.allSatisfy({ $0.type == "repository" }), let tenant = tenants.first
        else { return }
        try? await metering.bill(meter, to: tenant, principal: principal.description, repository: nil, operation: .tokenIssue, reserving: .nothing)
    }

    private func checkService(_ service: String?) throws {
        if let service, service != gate.tokens.service {
            throw AuthChallenge(
                status: .badRequest, challenge: nil,
                error: RegistryError(.denied, "this token service issues tokens for '\(gate.tokens.service)', not '\(service)'"))
        }
    }

    private func tokenRecord(_ context: AegisRequestContext, principal: String, allowed: Bool, reason: String, scopes: [ResourceScope])
        -> AuditRecord
    {
        AuditRecord(
            time: Date(), requestID: context.id, principal: principal, tenant: nil, action: "token",
            resource: scopes.isEmpty ? "token" : scopes.map(\.description).joined(separator: " "), allowed: allowed, reason: reason)
    }

    private func oauthError(_ status: HTTPResponse.Status, _ code: String, _ description: String, basicChallenge: Bool = false)
        -> Response
    {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if basicChallenge { headers[.wwwAuthenticate] = #"Basic realm="AegisGuard""# }
        let body = (try? JSONEncoder.registry.encode(["error": code, "error_description": description])) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder.registry.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, the rest percent-encoding.
    static func parseForm(_ text: String) -> [String: String] {
        var form: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let key = parts.first else { continue }
            form[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return form
    }
}

/// The token endpoint's answer (both spellings of the token, per the spec).
private struct TokenResponse: Encodable {
    var token: String
    var accessToken: String
    var expiresIn: Int
    var issuedAt: String
    var scope: String
    var refreshToken: String?

    enum CodingKeys: String, CodingKey {
        case token, scope
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case issuedAt = "issued_at"
        case refreshToken = "refresh_token"
    }
}
