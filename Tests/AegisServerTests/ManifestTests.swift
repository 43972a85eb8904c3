import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ManifestTests {
    @Test func manifestIsServedByteForByteWithPushedContentType() async throws {
        try await withRegistry { client in
            let config = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            // Unknown fields and unusual spacing must survive untouched.
            let manifest = Array(
                """
                {"schemaVersion": 2, "mediaType": "\(MediaType.ociManifest)",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "\(config)", "size": 2},
                  "layers": [], "x-unknown": {"kept": true}}
                """.utf8)
            let digest = try await client.pushManifest(manifest, to: "acme/app", reference: "v1")
            for reference in ["v1", digest] {
                try await client.execute(uri: "/v2/acme/app/manifests/\(reference)", method: .get) { response throws in
                    #expect(response.status == .ok)
                    #expect(response.bodyBytes == manifest)
                    #expect(response.header("Content-Type") == MediaType.ociManifest)
                    #expect(response.header("Docker-Content-Digest") == digest)
                }
                try await client.execute(uri: "/v2/acme/app/manifests/\(reference)", method: .head) { response throws in
                    #expect(response.status == .ok)
                    #expect(response.header("Content-Length") == String(manifest.count))
                    #expect(response.header("Docker-Content-Digest") == digest)
                }
            }
        }
    }

    @Test func putByDigestChecksTheDigest() async throws {
        try await withRegistry { client in
            let (manifest, _) = try await client.pushImage(to: "acme/app", tag: "seed")
            let digest = sha256(manifest)
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.header("Location") == "/v2/acme/app/manifests/\(digest)")
            }
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(sha256([0]))", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
        }
    }

    @Test func sha512ManifestDigestIsAccepted() async throws {
        try await withRegistry { client in
            let (manifest, _) = try await client.pushImage(to: "acme/app", tag: "seed")
            let digest = sha512(manifest)
            try await client.pushManifest(manifest, to: "acme/app", reference: digest)
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Docker-Content-Digest") == digest)
            }
        }
    }

    @Test func missingLayerIsManifestBlobUnknown() async throws {
        try await withRegistry { client in
            let config = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            let manifest = imageManifest(config: (config, 2), layers: [(sha256([9, 9]), 2)])
            try await client.pushManifest(manifest, to: "acme/app", reference: "v1", expect: .badRequest)
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")
            }
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func blobOfAnotherRepositoryDoesNotSatisfyAManifest() async throws {
        try await withRegistry { client in
            let config = try await client.pushBlob(Array("{}".utf8), to: "acme/other")
            let manifest = imageManifest(config: (config, 2), layers: [])
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")
            }
        }
    }

    @Test(arguments: [
        (#"not json"#, MediaType.ociManifest),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#, MediaType.ociManifest),
        (#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#, MediaType.dockerSchema1),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#, MediaType.ociManifest),
        (#"{"schemaVersion":2,"mediaType":"text/plain","config":{}}"#, "text/plain"),
        (
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"x","digest":"nope","size":1}]}"#,
            MediaType.ociIndex
        ),
    ])
    func invalidManifestIsManifestInvalid(body: String, contentType: String) async throws {
        try await withRegistry { client in
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1", method: .put, headers: [.contentType: contentType],
                body: ByteBuffer(string: body)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "MANIFEST_INVALID")
            }
        }
    }

    @Test func manifestOverFourMebibytesIs413() async throws {
        try await withRegistry { client in
            let padding = String(repeating: "a", count: 4 * 1024 * 1024)
            let body = #"{"schemaVersion":2,"annotations":{"pad":"\#(padding)"}}"#
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(string: body)
            ) { response throws in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "SIZE_INVALID")
            }
        }
    }

    @Test func indexAndDockerManifestListNeedTheirChildren() async throws {
        try await withRegistry { client in
            let (ociChild, ociDigest) = try await client.pushImage(to: "acme/app", tag: "amd64")
            let config = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            let dockerChild = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerManifest)","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\#(config)","size":2},"layers":[]}"#
                    .utf8)
            let dockerDigest = try await client.pushManifest(
                dockerChild, to: "acme/app", reference: "docker-amd64", mediaType: MediaType.dockerManifest)
            let lists = [
                (MediaType.ociIndex, MediaType.ociManifest, ociChild, ociDigest),
                (MediaType.dockerManifestList, MediaType.dockerManifest, dockerChild, dockerDigest),
            ]
            for (mediaType, childType, child, childDigest) in lists {
                let index = Array(
                    #"{"schemaVersion":2,"mediaType":"\#(mediaType)","manifests":[{"mediaType":"\#(childType)","digest":"\#(childDigest)","size":\#(child.count),"platform":{"architecture":"amd64","os":"linux"}}]}"#
                        .utf8)
                let digest = try await client.pushManifest(index, to: "acme/app", reference: "multi", mediaType: mediaType)
                try await client.execute(uri: "/v2/acme/app/manifests/multi", method: .get) { response throws in
                    #expect(response.header("Content-Type") == mediaType)
                    #expect(response.header("Docker-Content-Digest") == digest)
                }
            }
            let dangling = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(sha256([7]))","size":1}]}"#
                    .utf8)
            try await client.execute(
                uri: "/v2/acme/app/manifests/bad", method: .put, headers: [.contentType: MediaType.ociIndex],
                body: ByteBuffer(bytes: dangling)
            ) { response throws in
                #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")
            }
        }
    }

    @Test func dockerSchema2ManifestIsAccepted() async throws {
        try await withRegistry { client in
            let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let configDigest = try await client.pushBlob(config, to: "acme/app")
            let layer = randomBytes(64)
            let layerDigest = try await client.pushBlob(layer, to: "acme/app")
            let manifest = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerManifest)","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":\#(config.count),"digest":"\#(configDigest)"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":64,"digest":"\#(layerDigest)"}]}"#
                    .utf8)
            try await client.pushManifest(manifest, to: "acme/app", reference: "docker", mediaType: MediaType.dockerManifest)
            try await client.execute(uri: "/v2/acme/app/manifests/docker", method: .get) { response throws in
                #expect(response.header("Content-Type") == MediaType.dockerManifest)
            }
        }
    }

    @Test func repeatedTagParametersTagTheManifestAndAreEchoed() async throws {
        try await withRegistry { client in
            let (manifest, _) = try await client.pushImage(to: "acme/app", tag: "seed")
            let digest = sha256(manifest)
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)?tag=a&tag=b&tag=c", method: .put,
                headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.headers[values: HTTPField.Name("OCI-Tag")!] == ["a", "b", "c"])
            }
            for tag in ["a", "b", "c"] {
                try await client.execute(uri: "/v2/acme/app/manifests/\(tag)", method: .head) { response throws in
                    #expect(response.header("Docker-Content-Digest") == digest)
                }
            }
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)?tag=bad!tag", method: .put,
                headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "TAG_INVALID")
            }
        }
    }

    @Test func retaggingMovesTheTag() async throws {
        try await withRegistry { client in
            _ = try await client.pushImage(to: "acme/app", tag: "latest")
            let (_, second) = try await client.pushImage(to: "acme/app", tag: "latest")
            try await client.execute(uri: "/v2/acme/app/manifests/latest", method: .head) { response throws in
                #expect(response.header("Docker-Content-Digest") == second)
            }
        }
    }

    @Test func unknownManifestAndRepository() async throws {
        try await withRegistry { client in
            _ = try await client.pushImage(to: "acme/app", tag: "v1")
            try await client.execute(uri: "/v2/acme/app/manifests/nope", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "MANIFEST_UNKNOWN")
            }
            try await client.execute(uri: "/v2/acme/absent/manifests/v1", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "NAME_UNKNOWN")
            }
            // A reference that cannot name a manifest is unknown to a read (OCI conformance:
            // 01_pull_test.go, "GET nonexistent manifest should return 404" with `.INVALID_MANIFEST_NAME`)
            // and invalid to a write.
            let longTag = String(repeating: "t", count: 129)
            for reference in [longTag, ".INVALID_MANIFEST_NAME", "sha256:short"] {
                for method: HTTPRequest.Method in [.get, .head] {
                    try await client.execute(uri: "/v2/acme/app/manifests/\(reference)", method: method) { response throws in
                        #expect(response.status == .notFound)
                        if method == .get { #expect(response.errorCode == "MANIFEST_UNKNOWN") }
                    }
                }
            }
            try await client.execute(
                uri: "/v2/acme/app/manifests/.INVALID_MANIFEST_NAME", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(string: "{}")
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "TAG_INVALID")
            }
        }
    }
}
