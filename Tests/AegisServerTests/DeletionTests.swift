import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct DeletionTests {
    @Test func deletingATagOnlyUntags() async throws {
        try await withRegistry { client in
            let (_, digest) = try await client.pushImage(to: "acme/app", tag: "v1")
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "MANIFEST_UNKNOWN")
            }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .delete) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "MANIFEST_UNKNOWN")
            }
        }
    }

    @Test func deletingAManifestRemovesItsTags() async throws {
        try await withRegistry { client in
            let (manifest, digest) = try await client.pushImage(to: "acme/app", tag: "v1")
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)?tag=v2", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            for reference in [digest, "v1", "v2"] {
                try await client.execute(uri: "/v2/acme/app/manifests/\(reference)", method: .head) { #expect($0.status == .notFound) }
            }
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { response throws in
                #expect(String(buffer: response.body) == #"{"name":"acme/app","tags":[]}"#)
            }
        }
    }

    @Test func deletingABlobUnlinksItFromTheRepositoryOnly() async throws {
        try await withRegistry { client in
            let bytes = randomBytes(64)
            let digest = try await client.pushBlob(bytes, to: "acme/one")
            _ = try await client.pushBlob(bytes, to: "acme/two")
            try await client.execute(uri: "/v2/acme/one/blobs/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/one/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UNKNOWN")
            }
            try await client.execute(uri: "/v2/acme/two/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.bodyBytes == bytes)
            }
            try await client.execute(uri: "/v2/acme/one/blobs/\(digest)", method: .delete) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UNKNOWN")
            }
        }
    }
}
