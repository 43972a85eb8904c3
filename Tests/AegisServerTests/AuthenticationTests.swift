import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

private struct TokenDocument: Decodable {
    var token: String
    var accessToken: String
    var expiresIn: Int
    var issuedAt: String
    var refreshToken: String?

    enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case issuedAt = "issued_at"
        case refreshToken = "refresh_token"
    }
}

func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

/// Users of the test tenants: `alice` owns acme, `bob` develops in acme, `rita` reads acme, `gina` owns globex.
let testUsers: [(name: String, tenant: String, role: Role)] = [
    ("alice", "acme", .owner), ("bob", "acme", .developer), ("rita", "acme", .reader), ("gina", "globex", .owner),
]
let testPassword = "correct-horse-battery"

func createTestUsers(_ storage: AegisStorage, _ identity: Operations) async throws {
    for user in testUsers {
        try await identity.createUser(name: user.name, password: testPassword)
        try await storage.metadata.setRole(user.role, of: user.name, in: TenantID(user.tenant))
    }
}

@Suite struct AuthenticationTests {
    @Test func freshDataDirectoryIsClosedAndHasAnAdministrator() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        _ = try await buildApplication(registry.configuration, storage: storage)
        let path = registry.configuration.initialPasswordPath
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let password = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(password.count >= 24)
        let admin = try #require(try await storage.metadata.user(named: "admin"))
        #expect(admin.isSystemAdmin)
        #expect(!admin.passwordHash.contains(password))
        try storage.metadata.close()
    }

    @Test func anonymousRequestsGetABearerChallenge() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil) { client in
            try await client.execute(uri: "/v2/", method: .get) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "UNAUTHORIZED")
                #expect(response.header("WWW-Authenticate") == #"Bearer realm="\#(TestRegistry.realm(of: client))",service="aegisguard""#)
            }
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { response throws in
                #expect(response.status == .unauthorized)
                #expect(
                    response.header("WWW-Authenticate")
                        == #"Bearer realm="\#(TestRegistry.realm(of: client))",service="aegisguard",scope="repository:acme/app:pull""#)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { response throws in
                #expect(response.header("WWW-Authenticate")?.hasSuffix(#"scope="repository:acme/app:pull,push""#) == true)
            }
        }
    }

    @Test func tokenFlowGrantsTheIntersectionOfRequestedAndAllowed() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            let token = try await client.execute(
                uri: "/token?service=aegisguard&scope=repository:acme/app:pull,push,delete&scope=repository:globex/x:pull",
                method: .get, headers: [.authorization: basic("bob", testPassword)]
            ) { response throws in
                #expect(response.status == .ok)
                let document = try response.json(TokenDocument.self)
                #expect(document.token == document.accessToken)
                #expect(document.expiresIn == 300)
                #expect(document.refreshToken == nil)
                return document.token
            }
            let claims = try decodeClaims(token)
            let access = try #require(claims["access"] as? [[String: Any]])
            #expect(access.count == 1)
            #expect(access.first?["name"] as? String == "acme/app")
            #expect(access.first?["actions"] as? [String] == ["pull", "push"])
            #expect(claims["sub"] as? String == "bob")
            #expect(claims["aud"] as? String == "aegisguard")

            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let bytes = randomBytes(64)
            let location = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: bearer) { response throws in
                #expect(response.status == .accepted)
                return try #require(response.header("Location"))
            }
            try await client.execute(uri: "\(location)?digest=\(sha256(bytes))", method: .put, headers: bearer, body: ByteBuffer(bytes: bytes)) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(bytes))", method: .delete, headers: bearer) { response throws in
                #expect(response.status == .unauthorized)
                #expect(
                    response.header("WWW-Authenticate")
                        == #"Bearer realm="\#(TestRegistry.realm(of: client))",service="aegisguard",scope="repository:acme/app:delete",error="insufficient_scope""#
                )
            }
            try await client.execute(uri: "/v2/globex/x/tags/list", method: .get, headers: bearer) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.header("WWW-Authenticate")?.contains(#"error="insufficient_scope""#) == true)
            }
        }
    }

    @Test func oauthPasswordAndRefreshGrants() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let refresh = try await client.execute(
                uri: "/token", method: .post, headers: form,
                body: ByteBuffer(
                    string:
                        "grant_type=password&username=alice&password=\(testPassword)&service=aegisguard&client_id=test&access_type=offline&scope=repository%3Aacme%2Fapp%3Apull+repository%3Aacme%2Fother%3Apush"
                )
            ) { response throws in
                #expect(response.status == .ok)
                let document = try response.json(TokenDocument.self)
                #expect(try (decodeClaims(document.accessToken)["access"] as? [[String: Any]])?.count == 2)
                return try #require(document.refreshToken)
            }
            try await client.execute(
                uri: "/token", method: .post, headers: form,
                body: ByteBuffer(string: "grant_type=refresh_token&refresh_token=\(refresh)&service=aegisguard&scope=repository:acme/app:pull")
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try (decodeClaims(try response.json(TokenDocument.self).token)["sub"] as? String) == "alice")
            }
            // A refresh token is not an access token.
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer \(refresh)"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/token", method: .post, headers: form, body: ByteBuffer(string: "grant_type=password&username=alice&password=wrong")
            ) { response throws in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("invalid_grant"))
            }
            try await client.execute(uri: "/token", method: .post, headers: form, body: ByteBuffer(string: "grant_type=implicit")) {
                response throws in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("unsupported_grant_type"))
            }
            // A form that does not decode (a broken percent escape) is the client's error, not a 5xx.
            try await client.execute(
                uri: "/token", method: .post, headers: form, body: ByteBuffer(string: "grant_type=password&username=%zz&password=x")
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""error":"invalid_request""#))
            }
        }
    }

    @Test func badCredentialsAndForgedTokensAre401() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            try await client.execute(uri: "/token?scope=repository:acme/app:pull", method: .get, headers: [.authorization: basic("alice", "nope")]) {
                response throws in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("nobody", "whatever-password")]) {
                #expect($0.status == .unauthorized)
            }
            let token = try await client.execute(
                uri: "/token?scope=repository:acme/app:pull", method: .get, headers: [.authorization: basic("rita", testPassword)]
            ) { try $0.json(TokenDocument.self).token }
            // Swap the payload for one granting push: the signature no longer matches.
            var parts = token.split(separator: ".").map(String.init)
            var claims = try decodeClaims(token)
            claims["access"] = [["type": "repository", "name": "acme/app", "actions": ["pull", "push"]]]
            parts[1] = try JSONSerialization.data(withJSONObject: claims).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: "Bearer \(parts.joined(separator: "."))"]
            ) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true)
            }
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Digest abc"]) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func robotKeysWorkUntilRevoked() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let key = KeyBox()
        try await registry.run(
            as: nil,
            prepare: { storage, identity in
                key.value = try await identity.createRobot("ci", in: TenantID("acme"), role: .developer)
            }
        ) { client in
            let robot = basic("robot$acme+ci", key.value)
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: robot]) {
                #expect($0.status == .accepted)
            }
            try await client.execute(uri: "/v2/globex/app/blobs/uploads/", method: .post, headers: [.authorization: robot]) {
                #expect($0.status == .forbidden)
            }
        }
        // Revoked: the same key no longer authenticates (a new server, so no cached credentials).
        try await registry.run(
            as: nil,
            prepare: { storage, _ throws in
                #expect(try await storage.metadata.revokeRobot("ci", in: TenantID("acme")))
            }
        ) { client in
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("robot$acme+ci", key.value)]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/token?scope=repository:acme/app:pull", method: .get, headers: [.authorization: basic("robot$acme+ci", key.value)]
            ) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func publicRepositoriesAllowAnonymousPulls() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let pushed = try await registry.run { client in try await client.pushImage(to: "acme/open", tag: "v1").digest }
        try await registry.run(
            as: nil, prepare: { storage, _ in try await storage.metadata.setPublic(true, repository: RepositoryName("acme/open")) }
        ) { client in
            try await client.execute(uri: "/v2/acme/open/manifests/v1", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Docker-Content-Digest") == pushed)
            }
            let token = try await client.execute(uri: "/token?scope=repository:acme/open:pull,push", method: .get) {
                try $0.json(TokenDocument.self).token
            }
            #expect(try (decodeClaims(token)["access"] as? [[String: Any]])?.first?["actions"] as? [String] == ["pull"])
            try await client.execute(uri: "/v2/acme/open/blobs/uploads/", method: .post) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func jwksServesTheSigningKey() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response throws in
                #expect(response.status == .ok)
                let jwks = try response.json(JWKSDocument.self)
                #expect(jwks.keys.count == 1)
                #expect(jwks.keys.first?.alg == "ES256")
            }
        }
    }

    @Test func decisionsAreAudited() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: basic("rita", testPassword)]) {
                #expect($0.status == .forbidden)
            }
        }
        // Shutting the server down flushed the log.
        let storage = try await AegisStorage.open(registry.configuration)
        let records = try await storage.metadata.audit(tenant: "acme", before: nil, limit: 10)
        let denial = try #require(records.first { $0.action == "push" })
        #expect(!denial.allowed)
        #expect(denial.principal == "user:rita")
        #expect(denial.resource == "repository:acme/app")
        #expect(denial.reason.contains("reader"))
        try storage.metadata.close()
    }
}

/// A value handed from a `prepare` closure to the test body.
final class KeyBox: Sendable {
    private let storage = Mutex("")
    var value: String {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

func decodeClaims(_ token: String) throws -> [String: Any] {
    var text = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    let data = try #require(Data(base64Encoded: text))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}
