import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct TenancyAndMountTests {
    @Test func pushIntoUnknownTenantFails() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/v2/initech/app/blobs/uploads/", method: .post) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "NAME_UNKNOWN")
                #expect(String(buffer: response.body).contains("tenant"))
            }
        }
    }

    @Test func mountFromSameTenantLinksTheBlob() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(128)
            let digest = try await client.pushBlob(bytes, to: "acme/source")
            try await client.execute(
                uri: "/v2/acme/target/blobs/uploads/?mount=\(digest)&from=acme/source", method: .post
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.header("Location") == "/v2/acme/target/blobs/\(digest)")
                #expect(response.header("Docker-Content-Digest") == digest)
            }
            try await client.execute(uri: "/v2/acme/target/blobs/\(digest)", method: .get) { #expect($0.bodyBytes == bytes) }
        }
    }

    @Test func mountWithoutFromSearchesOnlyTheSameTenant() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(128)
            let digest = try await client.pushBlob(bytes, to: "acme/source")
            try await client.execute(uri: "/v2/acme/auto/blobs/uploads/?mount=\(digest)", method: .post) { response throws in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v2/globex/auto/blobs/uploads/?mount=\(digest)", method: .post) { response throws in
                #expect(response.status == .accepted)
                #expect(response.header("Location")?.hasPrefix("/v2/globex/auto/blobs/uploads/") == true)
            }
        }
    }

    @Test func anotherTenantsBlobLooksExactlyLikeAnAbsentOne() async throws {
        try await withRegistry { client in
            let secret = randomBytes(256)
            let digest = try await client.pushBlob(secret, to: "acme/private")
            let absent = sha256(randomBytes(256))
            _ = try await client.pushBlob(randomBytes(8), to: "globex/app")

            func probe(_ uri: String, _ method: HTTPRequest.Method) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(uri: uri, method: method) { ($0.status, $0.errorCode) }
            }
            for method in [HTTPRequest.Method.get, .head] {
                let stolen = try await probe("/v2/globex/app/blobs/\(digest)", method)
                let missing = try await probe("/v2/globex/app/blobs/\(absent)", method)
                #expect(stolen.0 == .notFound)
                #expect(stolen.0 == missing.0 && stolen.1 == missing.1)
            }
            // Cross-tenant mount: a new session, as for a blob nobody has.
            try await client.execute(
                uri: "/v2/globex/app/blobs/uploads/?mount=\(digest)&from=acme/private", method: .post
            ) { response throws in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/v2/globex/app/blobs/\(digest)", method: .head) { #expect($0.status == .notFound) }
            // A manifest in globex cannot reference acme's blob.
            let manifest = imageManifest(config: (digest, secret.count), layers: [])
            try await client.execute(
                uri: "/v2/globex/app/manifests/v1", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { response throws in
                #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")
            }
            // Uploading the same bytes into globex works and dedupes silently.
            #expect(try await client.pushBlob(secret, to: "globex/app") == digest)
        }
    }
}
