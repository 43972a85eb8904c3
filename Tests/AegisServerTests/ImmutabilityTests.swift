import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Immutability rules: a tenant's tag patterns, set through the API, hold matching tags on the
/// manifest they point at against every client.
@Suite struct ImmutabilityTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func setRules(_ body: String, _ client: any TestClientProtocol) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(
            uri: "/api/v1/tenants/acme/immutability", method: .put, headers: Self.json, body: ByteBuffer(string: body)
        ) { ($0.status, String(buffer: $0.body)) }
    }

    /// The refusal every change of an immutable tag gets on /v2: `DENIED` naming the rule.
    func expectImmutable(_ response: TestResponse, rule: String, tag: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let body = String(buffer: response.body)
        #expect(response.status == .forbidden, sourceLocation: sourceLocation)
        #expect(response.errorCode == "DENIED", sourceLocation: sourceLocation)
        #expect(body.contains(#""reason":"immutable_tag""#), "\(body)", sourceLocation: sourceLocation)
        #expect(body.contains(#""rule":"\#(rule)""#), "\(body)", sourceLocation: sourceLocation)
        #expect(body.contains(#""tag":"\#(tag)""#), "\(body)", sourceLocation: sourceLocation)
    }

    @Test func matchingTagsCannotMoveOrBeDeletedNorTheirManifests() async throws {
        try await withRegistry { client in
            let (manifest, digest) = try await client.pushImage(to: "acme/app", tag: "v1.0")
            _ = try await client.pushImage(to: "acme/app", tag: "latest")
            #expect(try await setRules(#"{"tagPatterns":["v*","release-?"]}"#, client) == (.ok, #"{"tagPatterns":["v*","release-?"]}"#))

            // Moving v1.0 to another manifest: refused, and v1.0 still names its manifest.
            let (_, other) = try await client.pushImage(to: "acme/app", tag: "scratch")
            let config = Array(#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
            let configDigest = try await client.pushBlob(config, to: "acme/app")
            let layer = randomBytes(64)
            let layerDigest = try await client.pushBlob(layer, to: "acme/app")
            let second = imageManifest(config: (configDigest, config.count), layers: [(layerDigest, layer.count)])
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1.0", method: .put, headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: second)
            ) { expectImmutable($0, rule: "v*", tag: "v1.0") }
            try await client.execute(uri: "/v2/acme/app/manifests/v1.0", method: .head) { #expect($0.header("Docker-Content-Digest") == digest) }
            // Nor may the new manifest be stored under it at all: the push leaves nothing behind.
            try await client.execute(uri: "/v2/acme/app/manifests/\(sha256(second))", method: .head) { #expect($0.status == .notFound) }

            // Pushing the same manifest again is no move: allowed, as clients retry.
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1.0", method: .put, headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: manifest)
            ) { #expect($0.status == .created) }
            // A new tag matching a rule may be created, once; then it holds too.
            try await client.execute(
                uri: "/v2/acme/app/manifests/release-1", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { #expect($0.status == .created) }
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)?tag=release-2&tag=latest", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/v2/acme/app/manifests/release-1", method: .delete) {
                expectImmutable($0, rule: "release-?", tag: "release-1")
            }
            try await client.execute(uri: "/v2/acme/app/manifests/v1.0", method: .delete) { expectImmutable($0, rule: "v*", tag: "v1.0") }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .delete) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains(#""reason":"immutable_tag""#))
            }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .head) { #expect($0.status == .ok) }

            // Tags no rule names move and go as before.
            try await client.execute(
                uri: "/v2/acme/app/manifests/scratch", method: .put, headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: second)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/v2/acme/app/manifests/scratch", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/manifests/\(other)", method: .delete) { #expect($0.status == .accepted) }

            // Without the rules, the tags are ordinary again.
            #expect(try await setRules(#"{"tagPatterns":[]}"#, client) == (.ok, #"{"tagPatterns":[]}"#))
            try await client.execute(uri: "/v2/acme/app/manifests/v1.0", method: .delete) { #expect($0.status == .accepted) }
        }
    }

    @Test func rulesAreValidatedAndReadBack() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/api/v1/tenants/acme/immutability", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"tagPatterns":[]}"#)
            }
            // A malformed pattern is `invalid_request`; a body of the wrong shape `bad_request`.
            for (bad, code) in [
                (#"{"tagPatterns":["v/1"]}"#, "invalid_request"), (#"{"tagPatterns":[""]}"#, "invalid_request"),
                (#"{"tagPatterns":"v*"}"#, "bad_request"), (#"{"patterns":["v*"]}"#, "bad_request"),
            ] {
                let (status, body) = try await setRules(bad, client)
                #expect(status == .badRequest, "\(bad)")
                #expect(body.contains(#""code":"\#(code)""#), "\(bad): \(body)")
            }
            let tooMany = (0...64).map { #""t\#($0)""# }.joined(separator: ",")
            #expect(try await setRules(#"{"tagPatterns":[\#(tooMany)]}"#, client).0 == .badRequest)
            #expect(try await setRules(#"{"tagPatterns":["v*","v*","latest"]}"#, client) == (.ok, #"{"tagPatterns":["v*","latest"]}"#))
            try await client.execute(uri: "/api/v1/tenants/acme/immutability", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"tagPatterns":["v*","latest"]}"#)
            }
            try await client.execute(uri: "/api/v1/tenants/nowhere/immutability", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
