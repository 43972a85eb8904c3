import AegisStore
import AegisStoreSQLite
import Crypto
import Foundation
import JWTKit
import Synchronization
import Testing

@testable import AegisAuth

@Suite struct TokenServiceTests {
    let keys = SigningKeys.ephemeral()

    func service(issuer: String = "aegisguard", audience: String = "registry", keys: SigningKeys? = nil) async -> TokenService {
        await TokenService(keys: keys ?? self.keys, issuer: issuer, service: audience)
    }

    @Test func issuedTokenVerifiesWithItsAccess() async throws {
        let tokens = await service()
        let scope = ResourceScope(type: "repository", name: "acme/app", actions: ["push", "pull"])
        let issued = try await tokens.issue(subject: "alice", access: [scope])
        #expect(issued.expiresIn == 300)
        let verified = try await tokens.verify(issued.token)
        #expect(verified.subject == "alice")
        #expect(verified.access == [scope])
        #expect(verified.allows("pull", onRepository: "acme/app"))
        #expect(!verified.allows("delete", onRepository: "acme/app"))
        #expect(!verified.allows("pull", onRepository: "acme/other"))
        #expect(!verified.isRefresh)
        // The header names the key, and the algorithm is ES256.
        let header = try decodeSegment(issued.token, 0)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["kid"] as? String == keys.keys[0].kid)
    }

    @Test func jwksPublishesThePublicKey() async throws {
        let tokens = await service()
        let key = try #require(tokens.jwks.keys.first)
        #expect(key.kid == keys.keys[0].kid)
        #expect(key.crv == "P-256")
        // A verifier that knows only the JWKS accepts our token.
        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: String(decoding: try JSONEncoder().encode(tokens.jwks), as: UTF8.self))
        let issued = try await tokens.issue(subject: "alice", access: [])
        _ = try await verifier.verify(issued.token, as: TokenClaims.self)
    }

    @Test func algNoneIsRejected() async throws {
        let tokens = await service()
        let valid = try await tokens.issue(subject: "alice", access: [])
        let header = base64URL(Data(#"{"alg":"none","typ":"JWT","kid":"\#(keys.keys[0].kid)"}"#.utf8))
        let parts = valid.token.split(separator: ".")
        await expectRejected(tokens, "\(header).\(parts[1]).")
    }

    @Test func hs256SignedWithThePublicKeyIsRejected() async throws {
        let tokens = await service()
        let valid = try await tokens.issue(subject: "alice", access: [])
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT","kid":"\#(keys.keys[0].kid)"}"#.utf8))
        let payload = valid.token.split(separator: ".")[1]
        let publicPEM = keys.keys[0].privateKey.publicKey.pemRepresentation
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data(publicPEM.utf8)))
        await expectRejected(tokens, "\(header).\(payload).\(base64URL(Data(mac)))")
    }

    @Test func expiredTokenIsRejected() async throws {
        let tokens = await service()
        let claims = tokens.claims(subject: "alice", typ: "access", lifetime: 60, now: Date().addingTimeInterval(-3600), access: [])
        await expectRejected(tokens, try await tokens.sign(claims))
    }

    @Test func notBeforeInTheFutureIsRejected() async throws {
        let tokens = await service()
        var claims = tokens.claims(subject: "alice", typ: "access", lifetime: 600, now: Date(), access: [])
        claims.nbf = NotBeforeClaim(value: Date().addingTimeInterval(300))
        await expectRejected(tokens, try await tokens.sign(claims))
    }

    @Test func wrongAudienceIsRejected() async throws {
        let other = await service(audience: "another-registry")
        await expectRejected(await service(), try await other.issue(subject: "alice", access: []).token)
    }

    @Test func wrongIssuerIsRejected() async throws {
        let other = await service(issuer: "evil")
        await expectRejected(await service(), try await other.issue(subject: "alice", access: []).token)
    }

    @Test func unknownKeyIsRejected() async throws {
        let stranger = await service(keys: .ephemeral())
        await expectRejected(await service(), try await stranger.issue(subject: "alice", access: []).token)
    }

    @Test func tamperedAccessIsRejected() async throws {
        let tokens = await service()
        let valid = try await tokens.issue(subject: "alice", access: [ResourceScope(type: "repository", name: "acme/app", actions: ["pull"])])
        let parts = valid.token.split(separator: ".").map(String.init)
        var payload = try decodeSegment(valid.token, 1)
        payload["access"] = [["type": "repository", "name": "acme/app", "actions": ["pull", "push", "delete"]]]
        let forged = base64URL(try JSONSerialization.data(withJSONObject: payload))
        await expectRejected(tokens, "\(parts[0]).\(forged).\(parts[2])")
    }

    @Test func garbageIsRejected() async throws {
        let tokens = await service()
        for token in ["", "a.b.c", "not a token", String(repeating: "x", count: 5000)] {
            await expectRejected(tokens, token)
        }
    }

    @Test func refreshTokensAreMarked() async throws {
        let tokens = await service()
        let refresh = try await tokens.issueRefresh(subject: "alice")
        #expect(try await tokens.verify(refresh).isRefresh)
    }

    @Test func keysPersistRotateAndExpire() async throws {
        try await withStore { store, _ in
            let first = try await SigningKeys.load(from: store, rotation: 100, overlap: 50)
            #expect(first.keys.count == 1)
            let again = try await SigningKeys.load(from: store, rotation: 100, overlap: 50)
            #expect(again.keys.map(\.kid) == first.keys.map(\.kid))
            // Past the rotation period a new key signs, the old one still verifies…
            let rotated = try await SigningKeys.load(from: store, rotation: 100, overlap: 50, now: Date().addingTimeInterval(120))
            #expect(rotated.keys.count == 2)
            #expect(rotated.keys[1].kid == first.keys[0].kid)
            // …until rotation + overlap has passed.
            let later = try await SigningKeys.load(from: store, rotation: 100, overlap: 50, now: Date().addingTimeInterval(200))
            #expect(!later.keys.map(\.kid).contains(first.keys[0].kid))
        }
    }

    @Test func keyFilesOfEarlierVersionsMoveIntoTheStore() async throws {
        try await withStore { store, directory in
            let keys = directory + "/keys"
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            let key = ES256PrivateKey()
            try key.pemRepresentation.write(toFile: keys + "/token-legacy.pem", atomically: true, encoding: .utf8)
            let loaded = try await SigningKeys.load(from: store, importing: keys, rotation: 86400, overlap: 50)
            #expect(loaded.keys.map(\.kid) == ["legacy"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: keys).isEmpty)
            #expect(try await store.signingKeys().map(\.kid) == ["legacy"])
        }
    }

    /// Two nodes over one store: a key one of them adds is learnt by the other from the first
    /// token that names it; unknown `kid`s reload the keys at most once per interval.
    @Test func aNodeLearnsKeysAnotherNodeAdded() async throws {
        try await withStore { store, _ in
            let reloads = Counter()
            let load: @Sendable () async throws -> SigningKeys = {
                reloads.increment()
                return try await SigningKeys.load(from: store, rotation: 100, overlap: 50)
            }
            let keys = try await SigningKeys.load(from: store, rotation: 100, overlap: 50)
            let a = await TokenService(keys: keys, issuer: "aegisguard", service: "registry", reload: load, reloadInterval: .seconds(60))
            let b = await TokenService(keys: keys, issuer: "aegisguard", service: "registry", reload: load, reloadInterval: .seconds(60))
            #expect(try await b.verify(try await a.issue(subject: "alice", access: []).token).subject == "alice")
            #expect(reloads.value == 0)
            await a.install(try await SigningKeys.load(from: store, rotation: 100, overlap: 50, now: Date().addingTimeInterval(120)))
            let token = try await a.issue(subject: "bob", access: []).token
            #expect(try await b.verify(token).subject == "bob")
            #expect(reloads.value == 1)
            #expect(b.jwks.keys.count == 2)
            // A forged kid: rejected, and within the interval it does not reach the store again.
            let parts = token.split(separator: ".")
            let header = base64URL(Data(#"{"alg":"ES256","typ":"JWT","kid":"forged"}"#.utf8))
            await expectRejected(b, [header, String(parts[1]), String(parts[2])].joined(separator: "."))
            await expectRejected(b, [header, String(parts[1]), String(parts[2])].joined(separator: "."))
            #expect(reloads.value == 1)
        }
    }

    private func withStore(_ body: (SQLiteMetadataStore, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteMetadataStore(path: directory + "/meta.sqlite")
        defer { try? store.close() }
        try await body(store, directory)
    }

    private func expectRejected(_ tokens: TokenService, _ token: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        await #expect(sourceLocation: sourceLocation) {
            _ = try await tokens.verify(token)
        } throws: { ($0 as? AuthError)?.code == .invalidToken }
    }
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func decodeSegment(_ token: String, _ index: Int) throws -> [String: Any] {
    var text = String(token.split(separator: ".")[index]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    let data = try #require(Data(base64Encoded: text))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// A count shared with `@Sendable` closures.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
