import Crypto
import Foundation
import JWTKit
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

    @Test func keysPersistRotateAndExpire() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SigningKeys.load(directory: directory, rotation: 100, overlap: 50)
        #expect(first.keys.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/token-\(first.keys[0].kid).pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try SigningKeys.load(directory: directory, rotation: 100, overlap: 50)
        #expect(again.keys.map(\.kid) == first.keys.map(\.kid))
        // Past the rotation period a new key signs, the old one still verifies…
        let rotated = try SigningKeys.load(directory: directory, rotation: 100, overlap: 50, now: Date().addingTimeInterval(120))
        #expect(rotated.keys.count == 2)
        #expect(rotated.keys[1].kid == first.keys[0].kid)
        // …until rotation + overlap has passed.
        let later = try SigningKeys.load(directory: directory, rotation: 100, overlap: 50, now: Date().addingTimeInterval(200))
        #expect(!later.keys.map(\.kid).contains(first.keys[0].kid))
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
