import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Expectations of the official OCI conformance suite (opencontainers/distribution-spec) that
/// AegisGuard once failed, ported with their citations: v1.1.1 (`conformance/0N_*_test.go`, Ginkgo)
/// and the redesigned suite on main (967efdc: `conformance/api.go`, `run.go`). The whole suite
/// was run against the server once by hand; see docs/SECURITY.md.
@Suite struct ConformanceTests {
    /// v1.1.1 `01_pull_test.go:152-159` and `:198-205`, `02_push_test.go:329-336`: GET and HEAD of a
    /// manifest named `.INVALID_MANIFEST_NAME` (setup.go:313) answer 404, not 400.
    @Test(arguments: [HTTPRequest.Method.get, .head])
    func invalidManifestNameIsNotFound(method: HTTPRequest.Method) async throws {
        try await withRegistry { client in
            try await client.pushImage(to: "acme/app", tag: "v1")
            for reference in [".INVALID_MANIFEST_NAME", "bad%20tag"] {
                try await client.execute(uri: "/v2/acme/app/manifests/\(reference)", method: method) { response throws in
                    #expect(response.status == .notFound)
                    if method == .get { #expect(response.errorCode == "MANIFEST_UNKNOWN") }
                }
            }
        }
    }

    /// main `run.go:428-489` and `api.go:968-977`: a manifest whose non-distributable layers carry
    /// `urls` and were never pushed is accepted (201) by tag and by digest, and served back.
    @Test func nonDistributableLayersWithURLsNeedNotBePushed() async throws {
        try await withRegistry { client in
            let config = Array("{}".utf8)
            let configDigest = try await client.pushBlob(config, to: "acme/app")
            let layers = ["application/vnd.oci.image.layer.nondistributable.v1.tar", MediaType.dockerForeignLayer].map { type in
                #"{"mediaType":"\#(type)","digest":"\#(sha256(randomBytes(16)))","size":16,"urls":["https://example.com/layer"]}"#
            }
            let manifest = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(configDigest)","size":2},"layers":[\#(layers.joined(separator: ","))]}"#
                    .utf8)
            let digest = try await client.pushManifest(manifest, to: "acme/app", reference: "foreign")
            try await client.pushManifest(manifest, to: "acme/app", reference: digest)
            try await client.execute(uri: "/v2/acme/app/manifests/foreign", method: .get) { #expect($0.bodyBytes == manifest) }
            // Without urls such a layer is an ordinary reference and must be in the repository.
            let bare = manifest.replacingOccurrences(of: Array(#","urls":["https://example.com/layer"]"#.utf8), with: [])
            try await client.pushManifest(bare, to: "acme/app", reference: "bare", expect: .badRequest)
        }
    }

    /// v1.1.1 `02_push_test.go:270-293`, main `api.go:313-336`: a client that asks for exactly the
    /// challenged scope must get a token that can mount, so the challenge of a mount names the source too.
    @Test func mountChallengeAsksForTheSourceToo() async throws {
        try await withRegistry(as: nil) { client in
            try await client.execute(uri: "/v2/acme/other/blobs/uploads/?mount=\(sha256([1]))&from=acme/repo", method: .post) { response in
                #expect(response.status == .unauthorized)
                #expect(
                    response.header("WWW-Authenticate")?.hasSuffix(#"scope="repository:acme/other:pull,push repository:acme/repo:pull""#) == true)
            }
        }
    }

    /// main `api.go:1363-1424` with OCI_AUTH_SCOPE: Go clients join scopes with `+` (a form-encoded space).
    @Test func plusSeparatesScopesInTheTokenQuery() async throws {
        try await withRegistry(as: nil) { client in
            let token = try await client.execute(
                uri: "/token?service=aegisguard&scope=repository:acme/one:pull+repository:acme/two:pull,push", method: .get,
                headers: [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
            ) { response in
                #expect(response.status == .ok)
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                return document?["token"] as? String ?? ""
            }
            let access = try #require(try decodeClaims(token)["access"] as? [[String: Any]])
            #expect(Set(access.compactMap { $0["name"] as? String }) == ["acme/one", "acme/two"])
        }
    }

    /// v1.1.1 `04_management_test.go:106-116` and `:153-188`: deletes answer 202, then the content is 404.
    @Test func deletesAre202ThenNotFound() async throws {
        try await withRegistry { client in
            let (_, digest) = try await client.pushImage(to: "acme/app", tag: "v1", layer: Array("layer".utf8))
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .head) { #expect($0.status == .notFound) }
            let layer = sha256(Array("layer".utf8))
            try await client.execute(uri: "/v2/acme/app/blobs/\(layer)", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/blobs/\(layer)", method: .get) { #expect($0.status == .notFound) }
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func replacingOccurrences(of target: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        Array(
            String(decoding: self, as: UTF8.self).replacingOccurrences(
                of: String(decoding: target, as: UTF8.self), with: String(decoding: replacement, as: UTF8.self)
            ).utf8)
    }
}
