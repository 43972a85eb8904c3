import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// What the registry does where the specs leave manifests loose (`docs/SECURITY.md`, "Manifest
/// policy"): anything two parsers could read two ways, or that would make a client read the
/// wrong bytes, is refused with `MANIFEST_INVALID`.
@Suite struct ManifestPolicyTests {
    /// Pushes a config and a layer; returns their descriptors' JSON.
    private func blobs(_ client: some TestClientProtocol) async throws -> (config: String, layer: String, absent: String) {
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let layer = randomBytes(100)
        let configDigest = try await client.pushBlob(config, to: "acme/app")
        let layerDigest = try await client.pushBlob(layer, to: "acme/app")
        return (
            #"{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(configDigest)","size":\#(config.count)}"#,
            #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layerDigest)","size":100}"#,
            #"{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(sha256([1, 2, 3]))","size":3}"#
        )
    }

    private func put(_ client: some TestClientProtocol, _ body: String, reference: String = "v1") async throws -> (HTTPResponse.Status, String?) {
        try await client.execute(
            uri: "/v2/acme/app/manifests/\(reference)", method: .put, headers: [.contentType: MediaType.ociManifest],
            body: ByteBuffer(string: body)
        ) { ($0.status, $0.errorCode) }
    }

    @Test func duplicateMembersAreRefusedWhereverTheyAre() async throws {
        try await withRegistry { client in
            let (config, layer, absent) = try await blobs(client)
            let head = #""schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)""#
            let bodies = [
                // The issue's case: the check read the first config, Go and Python the last one.
                #"{\#(head),"config":\#(config),"config":\#(absent),"layers":[]}"#,
                #"{\#(head),"config":\#(config),"\u0063onfig":\#(absent),"layers":[]}"#,
                #"{\#(head),"config":\#(config),"layers":[\#(layer)],"layers":[]}"#,
                #"{\#(head),"mediaType":"\#(MediaType.ociIndex)","config":\#(config),"layers":[]}"#,
                #"{"schemaVersion":2,"schemaVersion":3,"mediaType":"\#(MediaType.ociManifest)","config":\#(config),"layers":[]}"#,
                #"{\#(head),"config":\#(config),"layers":[{"mediaType":"x","digest":"\#(sha256([9]))","size":1,"size":100}]}"#,
                #"{\#(head),"config":\#(config),"layers":[],"annotations":{"a":"1","a":"2"}}"#,
                #"{\#(head),"config":\#(config),"layers":[],"subject":\#(config),"subject":\#(absent)}"#,
            ]
            for body in bodies {
                let (status, code) = try await put(client, body)
                #expect(status == .badRequest, "\(body)")
                #expect(code == "MANIFEST_INVALID", "\(body)")
            }
            let (status, _) = try await put(client, #"{\#(head),"config":\#(config),"layers":[\#(layer)]}"#)
            #expect(status == .created)
        }
    }

    @Test func bodiesThatAreNotStrictJSONAreRefused() async throws {
        try await withRegistry { client in
            let (config, _, _) = try await blobs(client)
            let manifest = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(config),"layers":[]}"#
            let deep =
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(config),"layers":[],"x":"#
                + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
            for body in [
                "\u{FEFF}" + manifest, manifest.replacingOccurrences(of: #""layers":[]"#, with: #""layers":[],"annotations":{"a":"\ud800"}"#), deep,
                manifest + " {}",
            ] {
                let (status, code) = try await put(client, body)
                #expect(status == .badRequest)
                #expect(code == "MANIFEST_INVALID")
            }
        }
    }

    @Test func requiredArraysMustBePresent() async throws {
        try await withRegistry { client in
            let (config, _, _) = try await blobs(client)
            let head = #""schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(config)"#
            for body in [#"{\#(head)}"#, #"{\#(head),"layers":null}"#, #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)"}"#] {
                let (status, code) = try await client.execute(
                    uri: "/v2/acme/app/manifests/v1", method: .put,
                    headers: [.contentType: body.contains("index") ? MediaType.ociIndex : MediaType.ociManifest], body: ByteBuffer(string: body)
                ) { ($0.status, $0.errorCode) }
                #expect(status == .badRequest, "\(body)")
                #expect(code == "MANIFEST_INVALID", "\(body)")
            }
        }
    }

    @Test func descriptorSizesMustMatchTheStoredContent() async throws {
        try await withRegistry { client in
            let (config, layer, _) = try await blobs(client)
            let head = #""schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)""#
            let wrongLayer = layer.replacingOccurrences(of: #""size":100"#, with: #""size":99"#)
            let (status, code) = try await put(client, #"{\#(head),"config":\#(config),"layers":[\#(wrongLayer)]}"#)
            #expect(status == .badRequest)
            #expect(code == "MANIFEST_INVALID")

            let child = #"{\#(head),"config":\#(config),"layers":[\#(layer)]}"#
            #expect(try await put(client, child, reference: "child").0 == .created)
            let childDigest = sha256(Array(child.utf8))
            for (type, size) in [(MediaType.ociManifest, child.utf8.count + 1), (MediaType.dockerManifest, child.utf8.count)] {
                let index =
                    #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[{"mediaType":"\#(type)","digest":"\#(childDigest)","size":\#(size)}]}"#
                let (status, code) = try await client.execute(
                    uri: "/v2/acme/app/manifests/index", method: .put, headers: [.contentType: MediaType.ociIndex],
                    body: ByteBuffer(string: index)
                ) { ($0.status, $0.errorCode) }
                #expect(status == .badRequest, "\(type) \(size)")
                #expect(code == "MANIFEST_INVALID", "\(type) \(size)")
            }
        }
    }

    @Test func embeddedDataMustBeTheContentItNames() async throws {
        try await withRegistry { client in
            let config = Array("{}".utf8)
            let configDigest = try await client.pushBlob(config, to: "acme/app")
            let head = #""schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","layers":[]"#
            let good = #"{\#(head),"config":{"mediaType":"\#(MediaType.ociEmpty)","digest":"\#(configDigest)","size":2,"data":"e30="}}"#
            #expect(try await put(client, good).0 == .created)
            for data in ["e31=", "not base64!", "e30gIA=="] {
                let body = #"{\#(head),"config":{"mediaType":"\#(MediaType.ociEmpty)","digest":"\#(configDigest)","size":2,"data":"\#(data)"}}"#
                let (status, code) = try await put(client, body)
                #expect(status == .badRequest, "\(data)")
                #expect(code == "MANIFEST_INVALID", "\(data)")
            }
        }
    }

    @Test func duplicateMembersInAPIBodiesAreRefused() async throws {
        try await withRegistry { client in
            let response = try await client.execute(
                uri: "/api/v1/tenants", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"initech","name":"acme"}"#)
            ) { $0 }
            #expect(response.status == .badRequest)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(String(buffer: response.body).contains("duplicate member"))
            let tenants = try await client.execute(uri: "/api/v1/tenants/initech", method: .get) { $0.status }
            #expect(tenants == .notFound)
        }
    }
}
