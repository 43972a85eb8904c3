import AegisCore
import Foundation
import JWTKit
import Synchronization

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
///
/// The keys come from the shared store: a token whose `kid` this node does not know yet (another
/// node rotated) makes it reload the keys, at most once per `reloadInterval`, and verify again.
public final class TokenService: Sendable {
    /// `iss` of issued tokens; the only issuer accepted.
    public let issuer: String
    /// `aud`: the registry service name clients pass as `service`.
    public let service: String
    /// Access-token lifetime in seconds (the spec's minimum is 60).
    public let lifetime: Int
    /// Refresh-token lifetime in seconds.
    public let refreshLifetime: Int

    private struct KeyState {
        var signingKid: JWKIdentifier
        var jwks: JWKSDocument
        var known: Set<String>
        var reloadedAt: ContinuousClock.Instant?
    }

    private let collection = JWTKeyCollection()
    private let keyState: Mutex<KeyState>
    private let reload: (@Sendable () async throws -> SigningKeys)?
    private let reloadInterval: Duration
    private let cache = BoundedCache<String, VerifiedToken>(capacity: 10_000)

    /// Creates the service over loaded signing keys.
    /// - Parameter reload: Loads the current keys (and rotates them when due); nil for a fixed set.
    public init(
        keys: SigningKeys, issuer: String, service: String, lifetime: Int = 300, refreshLifetime: Int = 30 * 86400,
        reload: (@Sendable () async throws -> SigningKeys)? = nil, reloadInterval: Duration = .seconds(5)
    ) async {
        self.issuer = issuer
        self.service = service
        self.lifetime = max(60, lifetime)
        self.refreshLifetime = refreshLifetime
        self.reload = reload
        self.reloadInterval = reloadInterval
        self.keyState = Mutex(KeyState(signingKid: JWKIdentifier(string: ""), jwks: JWKSDocument(keys: []), known: [], reloadedAt: nil))
        await install(keys)
    }

    /// The public keys, for `/.well-known/jwks.json`.
    public var jwks: JWKSDocument { keyState.withLock { $0.jwks } }

    /// Adds the keys not known yet; the newest signs from now on. Keys dropped from the set keep
    /// verifying until the process restarts, which is never past their tokens' expiry in practice
    /// (keys outlive the tokens they sign by the overlap period).
    public func install(_ keys: SigningKeys) async {
        let known = keyState.withLock { $0.known }
        for key in keys.keys where !known.contains(key.kid) {
            await collection.add(ecdsa: key.privateKey, kid: JWKIdentifier(string: key.kid))
        }
        keyState.withLock { state in
            state.known.formUnion(keys.keys.map(\.kid))
            state.jwks = keys.jwks
            if let newest = keys.keys.first { state.signingKid = JWKIdentifier(string: newest.kid) }
        }
    }

    /// Reloads the keys now (a periodic rotation check). - Throws: the loader's error.
    public func refresh() async throws {
        guard let reload else { return }
        keyState.withLock { $0.reloadedAt = .now }
        await install(try await reload())
    }

    /// Reloads the keys if `token` names a key this node does not know and the last reload is
    /// older than `reloadInterval` (so forged `kid`s cannot make every request query the store).
    private func reloadIfUnknown(_ token: String) async {
        guard reload != nil, let kid = Self.kid(of: token) else { return }
        let due = keyState.withLock { state -> Bool in
            guard !state.known.contains(kid) else { return false }
            if let last = state.reloadedAt, last.duration(to: .now) < reloadInterval { return false }
            state.reloadedAt = .now
            return true
        }
        if due { try? await refresh() }
    }

    /// The `kid` of a compact JWS's protected header, if it has one.
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first, header.count <= 1024 else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
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
        await reloadIfUnknown(token)
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
        try await collection.sign(claims, kid: keyState.withLock { $0.signingKid })
    }
}
