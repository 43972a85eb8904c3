import AegisAuth
import AegisConfig
import AegisCore
import AegisServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import Synchronization
import Testing

/// A Keycloak-shaped OpenID Connect issuer on 127.0.0.1: discovery, JWKS, and tokens signed with
/// keys the test can rotate.
final class TestIssuer: Sendable {
    let realmPath = "/realms/aegis"
    private let keys = Mutex<[(kid: String, key: ES256PrivateKey)]>([])

    init() { rotate() }

    /// Replaces the signing key (the old one disappears from the JWKS).
    func rotate() {
        keys.withLock { $0 = [(kid: "kid-\(UUID().uuidString.prefix(8))", key: ES256PrivateKey())] }
    }

    var jwks: String {
        let entries = keys.withLock { $0 }.compactMap { entry -> String? in
            guard let parameters = entry.key.publicKey.parameters else { return nil }
            return #"{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\#(entry.kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
        }
        // Keycloak also lists an encryption key; the registry must skip it.
        let encryption = #"{"kty":"RSA","use":"enc","alg":"RSA-OAEP","kid":"enc-1","n":"AQAB","e":"AQAB"}"#
        return #"{"keys":[\#((entries + [encryption]).joined(separator: ","))]}"#
    }

    func token(
        issuer: String, user: String = "alice", audience: String = "account", azp: String = "aegisguard",
        realmRoles: [String] = ["acme-developers"], expiresIn: TimeInterval = 300, key: ES256PrivateKey? = nil
    ) async throws -> String {
        let current = keys.withLock { $0[0] }
        let collection = JWTKeyCollection()
        await collection.add(ecdsa: key ?? current.key, kid: JWKIdentifier(string: current.kid))
        let claims = KeycloakClaims(
            iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: audience), azp: azp,
            exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)), iat: IssuedAtClaim(value: Date()),
            preferredUsername: user, realmAccess: .init(roles: realmRoles),
            resourceAccess: ["aegisguard": .init(roles: ["aegis:globex:reader"])])
        return try await collection.sign(claims, kid: JWKIdentifier(string: current.kid))
    }

    /// Serves discovery and JWKS while `body` runs.
    func serve<T: Sendable>(_ body: @Sendable (_ issuerURL: String) async throws -> T) async throws -> T {
        let router = Router()
        let realm = realmPath
        router.get("\(realm)/.well-known/openid-configuration") { request, _ -> Response in
            let base = "http://\(request.head.authority ?? "")\(realm)"
            let document = #"{"issuer":"\#(base)","jwks_uri":"\#(base)/protocol/openid-connect/certs"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
        }
        router.get("\(realm)/protocol/openid-connect/certs") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: self.jwks)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let result = try await body("http://127.0.0.1:\(port)\(realm)")
            group.cancelAll()
            return result
        }
    }
}

struct KeycloakClaims: JWTPayload {
    struct Roles: Codable, Sendable { var roles: [String] }
    var iss: IssuerClaim
    var aud: AudienceClaim
    var azp: String
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var preferredUsername: String
    var realmAccess: Roles
    var resourceAccess: [String: Roles]

    enum CodingKeys: String, CodingKey {
        case iss, aud, azp, exp, iat
        case preferredUsername = "preferred_username"
        case realmAccess = "realm_access"
        case resourceAccess = "resource_access"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite struct OIDCTests {
    func registry(issuerURL: String) throws -> TestRegistry {
        var registry = try TestRegistry()
        var keycloak = OIDCIssuer(name: "keycloak", issuer: issuerURL, audience: "aegisguard")
        keycloak.roleMap = ["acme-developers": "acme:developer"]
        keycloak.adminValues = ["aegis-admin"]
        registry.configuration.auth.oidcIssuers = [keycloak]
        registry.configuration.auth.oidcKeyRefreshSeconds = 0
        return registry
    }

    @Test func keycloakAccessTokensWorkAsBearerAndAsPassword() async throws {
        let issuer = TestIssuer()
        try await issuer.serve { issuerURL in
            let registry = try registry(issuerURL: issuerURL)
            defer { registry.remove() }
            let token = try await issuer.token(issuer: issuerURL)
            try await registry.run(as: nil) { client in
                let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
                try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: bearer) { #expect($0.status == .accepted) }
                try await client.execute(uri: "/v2/globex/app/blobs/uploads/", method: .post, headers: bearer) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer) { response throws in
                    let me = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    #expect(me["name"] as? String == "keycloak:alice")
                    #expect(me["roles"] as? [String: String] == ["acme": "developer"])
                }
                // `docker login -u alice -p <token>`: the token endpoint takes it as the password.
                let registryToken = try await client.execute(
                    uri: "/token?service=aegisguard&scope=repository:acme/app:pull,push&offline_token=true", method: .get,
                    headers: [.authorization: basic("alice", token)]
                ) { response throws -> String in
                    #expect(response.status == .ok)
                    let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    #expect(document["refresh_token"] == nil)
                    return try #require(document["token"] as? String)
                }
                let access = try #require(try decodeClaims(registryToken)["access"] as? [[String: Any]])
                #expect(access.first?["actions"] as? [String] == ["pull", "push"])
            }
        }
    }

    @Test func rejectedTokensAre401() async throws {
        let issuer = TestIssuer()
        try await issuer.serve { issuerURL in
            let registry = try registry(issuerURL: issuerURL)
            defer { registry.remove() }
            let tokens = [
                "wrong audience": try await issuer.token(issuer: issuerURL, audience: "other", azp: "other"),
                "expired": try await issuer.token(issuer: issuerURL, expiresIn: -60),
                "unknown key": try await issuer.token(issuer: issuerURL, key: ES256PrivateKey()),
                "unconfigured issuer": try await issuer.token(issuer: "http://127.0.0.1:1/realms/evil"),
            ]
            try await registry.run(as: nil) { client in
                for (name, token) in tokens {
                    try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(token)"]) { response throws in
                        #expect(response.status == .unauthorized, "\(name)")
                        #expect(response.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true, "\(name)")
                    }
                }
            }
        }
    }

    @Test func keyRotationAtTheIssuerIsFollowed() async throws {
        let issuer = TestIssuer()
        try await issuer.serve { issuerURL in
            let registry = try registry(issuerURL: issuerURL)
            defer { registry.remove() }
            try await registry.run(as: nil) { client in
                let first = try await issuer.token(issuer: issuerURL)
                try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(first)"]) { #expect($0.status == .ok) }
                issuer.rotate()
                let second = try await issuer.token(issuer: issuerURL, user: "bob")
                try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(second)"]) { #expect($0.status == .ok) }
            }
        }
    }
}
