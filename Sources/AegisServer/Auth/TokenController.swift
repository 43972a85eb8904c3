import AegisAuth
import AegisCore
import AegisOperations
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Docker token service (`GET /token`, OAuth2 `POST /token`) and the public keys
/// (`/.well-known/jwks.json`) that verify its tokens: parsing and OAuth answers over `TokenOperations`.
struct TokenController: Sendable {
    let gate: AccessGate
    let tokens: TokenOperations

    func addRoutes(to router: Router<AegisRequestContext>) {
        router.get("/token") { request, context in try await get(request, context: context) }
        router.post("/token") { request, context in try await post(request, context: context) }
        router.get("/.well-known/jwks.json") { _, _ in
            try json(gate.access.tokens.jwks, status: .ok)
        }
    }

    /// `GET /token?service=&scope=…&offline_token=` with optional Basic credentials (or, over
    /// mutual TLS, a client certificate bound to a robot).
    private func get(_ request: Request, context: AegisRequestContext) async throws -> Response {
        try checkService(request.query("service"))
        var principal = Principal.anonymous
        if let header = request.headers[.authorization] {
            guard let (username, password) = AccessGate.basicCredentials(header) else {
                return oauthError(.unauthorized, "invalid_client", "use Basic credentials", basicChallenge: true)
            }
            do {
                principal = try await tokens.authenticate(
                    username: username, password: password, client: context.clientAddress, requestID: context.id)
            } catch TokenOperations.Refusal.badCredentials {
                return oauthError(.unauthorized, "invalid_client", "invalid user name or password", basicChallenge: true)
            } catch TokenOperations.Refusal.throttled(let seconds) {
                return throttled(seconds)
            }
        } else if case .certificate(let certificate) = await gate.presented(request, context) {
            do {
                principal = try await tokens.authenticate(certificate: certificate, requestID: context.id)
            } catch {
                return oauthError(.unauthorized, "invalid_client", "the client certificate is bound to no active robot")
            }
        }
        let requested = ResourceScope.parseList(request.queryValues("scope"))
        return try await issue(for: principal, requested: requested, refresh: request.query("offline_token") == "true", context: context)
    }

    /// The OAuth2 form of `POST /token`.
    private struct TokenForm: Decodable {
        var grantType: String?
        var service: String?
        var scope: String?
        var username: String?
        var password: String?
        var refreshToken: String?
        var accessType: String?

        enum CodingKeys: String, CodingKey {
            case service, scope, username, password
            case grantType = "grant_type"
            case refreshToken = "refresh_token"
            case accessType = "access_type"
        }
    }

    /// OAuth2 `POST /token` (form): `grant_type=password|refresh_token`.
    private func post(_ request: Request, context: AegisRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectSmallBody(upTo: 64 * 1024)
        guard let form = try? URLEncodedFormDecoder().decode(TokenForm.self, from: String(buffer: body)) else {
            return oauthError(.badRequest, "invalid_request", "the body must be an application/x-www-form-urlencoded form")
        }
        try checkService(form.service)
        let principal: Principal
        switch form.grantType {
        case "password":
            guard let username = form.username, let password = form.password else {
                return oauthError(.badRequest, "invalid_request", "username and password are required")
            }
            do {
                principal = try await tokens.authenticate(
                    username: username, password: password, client: context.clientAddress, requestID: context.id)
            } catch TokenOperations.Refusal.badCredentials {
                return oauthError(.unauthorized, "invalid_grant", "invalid user name or password")
            } catch TokenOperations.Refusal.throttled(let seconds) {
                return throttled(seconds)
            }
        case "refresh_token":
            do {
                principal = try await tokens.principal(refreshing: form.refreshToken ?? "")
            } catch TokenOperations.Refusal.invalidRefreshToken {
                return oauthError(.unauthorized, "invalid_grant", "the refresh token is invalid, expired or its owner is gone")
            }
        case .some:
            return oauthError(.badRequest, "unsupported_grant_type", "grant_type must be password or refresh_token")
        case .none:
            return oauthError(.badRequest, "invalid_request", "grant_type is required")
        }
        let requested = ResourceScope.parseList(form.scope.map { [$0] } ?? [])
        return try await issue(for: principal, requested: requested, refresh: form.accessType == "offline", context: context)
    }

    private func issue(for principal: Principal, requested: [ResourceScope], refresh: Bool, context: AegisRequestContext)
        async throws -> Response
    {
        let grant = try await tokens.issue(for: principal, requested: requested, refresh: refresh, requestID: context.id, meter: context.gas)
        let document = TokenResponse(
            token: grant.token.token, accessToken: grant.token.token, expiresIn: grant.token.expiresIn,
            issuedAt: grant.token.issuedAt.ISO8601Format(), scope: grant.scopes.map(\.description).joined(separator: " "),
            refreshToken: grant.refreshToken)
        return try json(document, status: .ok)
    }

    private func checkService(_ service: String?) throws {
        do {
            try tokens.checkService(service)
        } catch TokenOperations.Refusal.wrongService(let ours) {
            throw AuthChallenge(
                status: .badRequest, challenge: nil,
                error: RegistryError(.denied, "this token service issues tokens for '\(ours)', not '\(service ?? "")'"))
        }
    }

    /// 429 with `Retry-After`: too many failed logins for the user name or the client address.
    private func throttled(_ seconds: Int) -> Response {
        var response = oauthError(.tooManyRequests, "slow_down", "too many failed logins: try again in \(seconds) s")
        response.headers[.retryAfter] = String(seconds)
        return response
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
