import AegisCore
import Foundation
import JWTKit

/// A token handed to a client.
public struct IssuedToken: Sendable, Hashable {
    public var token: String
    public var expiresIn: Int
    public var issuedAt: Date
}

/// What a verified token says.
public struct VerifiedToken: Sendable, Hashable {
    /// `sub`: the user name or `robot$<tenant>+<name>`.
    public var subject: String
    /// The granted scopes.
    public var access: [ResourceScope]
    /// When the token stops being valid.
    public var expiresAt: Date
    /// Whether this is a refresh token (valid only at the token endpoint).
    public var isRefresh: Bool

    /// Whether the token grants `action` on the repository `name`.
    public func allows(_ action: String, onRepository name: String) -> Bool {
        access.contains { $0.type == "repository" && $0.name == name && ($0.actions.contains(action) || $0.actions.contains("*")) }
    }

    /// Whether the token grants the catalog.
    public var allowsCatalog: Bool { access.contains { $0.type == "registry" && $0.name == "catalog" } }
}

/// Issues and verifies ES256 bearer tokens per the distribution token spec. Verified tokens are
/// cached until they expire, so a pull costs one signature check per token, not per request.
public final class TokenService: Sendable {
    /// `iss` of issued tokens; the only issuer accepted.
    public let issuer: String
    /// `aud`: the registry service name clients pass as `service`.
    public let service: String
    /// Access-token lifetime in seconds (the spec's minimum is 60).
    public let lifetime: Int
    /// Refresh-token lifetime in seconds.
    public let refreshLifetime: Int
    /// The public keys, for `/.well-known/jwks.json`.
    public let jwks: JWKSDocument

    private let collection: JWTKeyCollection
    private let signingKid: JWKIdentifier
    private let cache = BoundedCache<String, VerifiedToken>(capacity: 10_000)

    /// Creates the service over loaded signing keys.
    public init(keys: SigningKeys, issuer: String, service: String, lifetime: Int = 300, refreshLifetime: Int = 30 * 86400) async {
        self.issuer = issuer
        self.service = service
        self.lifetime = max(60, lifetime)
        self.refreshLifetime = refreshLifetime
        self.jwks = keys.jwks
        let collection = JWTKeyCollection()
        for key in keys.keys {
            await collection.add(ecdsa: key.privateKey, kid: JWKIdentifier(string: key.kid))
        }
        self.collection = collection
        self.signingKid = JWKIdentifier(string: keys.keys.first?.kid ?? "")
    }

    /// Issues an access token carrying `access`.
    public func issue(subject: String, access: [ResourceScope], now: Date = Date()) async throws -> IssuedToken {
        let entries = access.map { TokenClaims.AccessEntry(type: $0.type, name: $0.name, actions: $0.actions) }
        let token = try await sign(claims(subject: subject, typ: "access", lifetime: lifetime, now: now, access: entries))
        return IssuedToken(token: token, expiresIn: lifetime, issuedAt: now)
    }

    /// Issues a refresh token (no access; exchanged at the token endpoint for access tokens).
    public func issueRefresh(subject: String, now: Date = Date()) async throws -> String {
        try await sign(claims(subject: subject, typ: "refresh", lifetime: refreshLifetime, now: now, access: nil))
    }

    /// Verifies signature, `kid`, algorithm, expiry, not-before, issuer and audience.
    /// - Throws: `AuthError.invalidToken` for any failure.
    public func verify(_ token: String, now: Date = Date()) async throws -> VerifiedToken {
        if let cached = cache[token], cached.expiresAt > now { return cached }
        let claims: TokenClaims
        do {
            claims = try await collection.verify(token, as: TokenClaims.self)
        } catch {
            throw AuthError(.invalidToken, "token rejected: \(error)")
        }
        guard claims.iss.value == issuer else { throw AuthError(.invalidToken, "unexpected issuer") }
        guard claims.aud.value.contains(service) else { throw AuthError(.invalidToken, "token is not for this service") }
        guard claims.typ == "access" || claims.typ == "refresh" else { throw AuthError(.invalidToken, "unknown token type") }
        let verified = VerifiedToken(
            subject: claims.sub.value,
            access: (claims.access ?? []).map { ResourceScope(type: $0.type, name: $0.name, actions: $0.actions) },
            expiresAt: claims.exp.value, isRefresh: claims.typ == "refresh")
        cache[token] = verified
        return verified
    }

    func claims(subject: String, typ: String, lifetime: Int, now: Date, access: [TokenClaims.AccessEntry]?) -> TokenClaims {
        TokenClaims(
            iss: IssuerClaim(value: issuer), sub: SubjectClaim(value: subject), aud: AudienceClaim(value: service),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime))),
            nbf: NotBeforeClaim(value: now.addingTimeInterval(-5)), iat: IssuedAtClaim(value: now),
            jti: IDClaim(value: UUID().uuidString), typ: typ, access: access)
    }

    func sign(_ claims: TokenClaims) async throws -> String {
        try await collection.sign(claims, kid: signingKid)
    }
}
