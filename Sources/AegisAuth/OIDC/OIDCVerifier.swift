import AegisCore
import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Verifies access tokens of the configured OIDC issuers against their published keys.
///
/// Discovery and JWKS are fetched on first use and cached; a token naming an unknown `kid` triggers
/// one refetch (at most every `refreshInterval`), which is how key rotation at the IdP is followed.
/// Verified tokens are cached until they expire.
public final class OIDCVerifier: Sendable {
    /// The trusted issuers.
    public let issuers: [OIDCIssuer]
    private let client: HTTPClient
    private let refreshInterval: TimeInterval
    private let logger: Logger
    private let keys = Mutex<[String: (collection: JWTKeyCollection, kids: Set<String>, fetchedAt: Date)]>([:])
    private let verified = BoundedCache<String, (principal: Principal, until: Date)>(capacity: 10_000)

    /// Creates a verifier.
    public init(issuers: [OIDCIssuer], client: HTTPClient = .shared, refreshInterval: TimeInterval = 10, logger: Logger) {
        self.issuers = issuers
        self.client = client
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The principal of a valid token of a configured issuer; nil when the token names no configured
    /// issuer (so other verifiers may try it).
    /// - Throws: `AuthError.invalidToken` for a token of a configured issuer that does not verify.
    public func principal(for token: String, now: Date = Date()) async throws -> Principal? {
        if let hit = verified[token], hit.until > now { return hit.principal }
        guard let unverified = Self.payload(of: token), let iss = unverified["iss"] as? String,
            let issuer = issuers.first(where: { $0.issuer == iss })
        else { return nil }
        let claims = try await verify(token, issuer: issuer)
        guard let principal = issuer.principal(from: claims) else {
            throw AuthError(.invalidToken, "the token has no '\(issuer.usernameClaim)' claim")
        }
        let expiry = (claims["exp"] as? Double).map(Date.init(timeIntervalSince1970:)) ?? now
        verified[token] = (principal, expiry)
        return principal
    }

    private func verify(_ token: String, issuer: OIDCIssuer) async throws -> [String: Any] {
        do {
            var keys = try await collection(for: issuer, refresh: false)
            if let kid = Self.segment(0, of: token)?["kid"] as? String, !keys.kids.contains(kid) {
                // The IdP may have rotated its keys: look again, at most once per refresh interval.
                keys = try await collection(for: issuer, refresh: true)
                guard keys.kids.contains(kid) else { throw AuthError(.invalidToken, "unknown key id '\(kid)'") }
            }
            return try await verify(token, issuer: issuer, with: keys.collection)
        } catch let error as AuthError {
            throw error
        } catch {
            throw AuthError(.invalidToken, "OIDC token rejected: \(error)")
        }
    }

    private func verify(_ token: String, issuer: OIDCIssuer, with collection: JWTKeyCollection) async throws -> [String: Any] {
        let claims = try await collection.verify(token, as: OIDCClaims.self)
        guard claims.iss.value == issuer.issuer else { throw AuthError(.invalidToken, "unexpected issuer") }
        guard claims.aud?.value.contains(issuer.audience) == true || claims.azp == issuer.audience else {
            throw AuthError(.invalidToken, "the token is not for audience '\(issuer.audience)'")
        }
        // The signature covers the payload, so its other claims can now be read as they are.
        return Self.payload(of: token) ?? [:]
    }

    private func collection(for issuer: OIDCIssuer, refresh: Bool) async throws -> (collection: JWTKeyCollection, kids: Set<String>) {
        if let cached = keys.withLock({ $0[issuer.issuer] }),
            !refresh || Date().timeIntervalSince(cached.fetchedAt) < refreshInterval
        {
            return (cached.collection, cached.kids)
        }
        let discovery = try await fetchJSON("\(issuer.issuer)/.well-known/openid-configuration")
        guard let jwksURI = discovery["jwks_uri"] as? String else {
            throw AuthError(.invalidToken, "the issuer's discovery document has no jwks_uri")
        }
        let jwks = try await fetchJSON(jwksURI)
        // Only signing keys: an IdP also lists encryption keys (Keycloak's RSA-OAEP) JWTKit does not load.
        let signing = (jwks["keys"] as? [[String: Any]] ?? []).filter { ($0["use"] as? String ?? "sig") == "sig" }
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for key in signing {
            let data = try JSONSerialization.data(withJSONObject: ["keys": [key]])
            do {
                try await collection.add(jwksJSON: String(decoding: data, as: UTF8.self))
                if let kid = key["kid"] as? String { kids.insert(kid) }
            } catch {
                logger.warning("ignoring an OIDC key JWTKit cannot load", metadata: ["issuer": "\(issuer.issuer)", "error": "\(error)"])
            }
        }
        keys.withLock { $0[issuer.issuer] = (collection, kids, Date()) }
        return (collection, kids)
    }

    private func fetchJSON(_ url: String) async throws -> [String: Any] {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            guard response.status == .ok, let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            else { throw AuthError(.invalidToken, "\(url) answered \(response.status.code)") }
            return object
        } catch let error as AuthError {
            logger.error("OIDC fetch failed", metadata: ["url": "\(url)", "error": "\(error)"])
            throw error
        } catch {
            logger.error("OIDC fetch failed", metadata: ["url": "\(url)", "error": "\(error)"])
            throw AuthError(.invalidToken, "cannot fetch \(url)")
        }
    }

    /// The payload of a compact JWS, unverified.
    static func payload(of token: String) -> [String: Any]? { segment(1, of: token) }

    /// Header (0) or payload (1) of a compact JWS, unverified.
    static func segment(_ index: Int, of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var text = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}

/// The claims JWTKit checks for an OIDC access token; the rest is read from the verified payload.
private struct OIDCClaims: JWTPayload {
    var iss: IssuerClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var aud: AudienceClaim?
    var azp: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
