import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

private struct Index: Decodable {
    var schemaVersion: Int
    var mediaType: String
    var manifests: [Descriptor]
}

@Suite struct ReferrersTests {
    @Test func referrersListArtifactsWithSubjectAndFilterByArtifactType() async throws {
        try await withRegistry { client in
            let (subjectBytes, subject) = try await client.pushImage(to: "acme/app", tag: "v1")
            let sbomType = "application/spdx+json"
            let signatureType = "application/vnd.dev.cosign.signature"
            let empty = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            let sbomLayer = try await client.pushBlob(Array("sbom".utf8), to: "acme/app")
            let sbom = imageManifest(
                config: (empty, 2), configMediaType: MediaType.ociEmpty, layers: [(sbomLayer, 4)], artifactType: sbomType,
                subject: (subject, subjectBytes.count), annotations: ["org.example.kind": "sbom"])
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(sha256(sbom))", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: sbom)
            ) { response throws in
                #expect(response.status == .created)
                #expect(response.header("OCI-Subject") == subject)
            }
            // No artifactType: the config media type stands in.
            let signature = imageManifest(
                config: (empty, 2), configMediaType: signatureType, layers: [], subject: (subject, subjectBytes.count))
            try await client.pushManifest(signature, to: "acme/app", reference: sha256(signature))

            try await client.execute(uri: "/v2/acme/app/referrers/\(subject)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Type") == MediaType.ociIndex)
                #expect(response.header("OCI-Filters-Applied") == nil)
                let index = try response.json(Index.self)
                #expect(index.schemaVersion == 2)
                #expect(index.mediaType == MediaType.ociIndex)
                #expect(Set(index.manifests.map(\.digest)) == [sha256(sbom), sha256(signature)])
                let sbomEntry = try #require(index.manifests.first { $0.digest == sha256(sbom) })
                #expect(sbomEntry.artifactType == sbomType)
                #expect(sbomEntry.annotations == ["org.example.kind": "sbom"])
                #expect(sbomEntry.size == Int64(sbom.count))
                #expect(sbomEntry.mediaType == MediaType.ociManifest)
                #expect(index.manifests.first { $0.digest == sha256(signature) }?.artifactType == signatureType)
            }
            try await client.execute(uri: "/v2/acme/app/referrers/\(subject)?artifactType=\(sbomType)", method: .get) { response throws in
                #expect(response.header("OCI-Filters-Applied") == "artifactType")
                #expect(try response.json(Index.self).manifests.map(\.digest) == [sha256(sbom)])
            }
        }
    }

    @Test func subjectMayBeAbsentAndReferrersNeverAnswer404() async throws {
        try await withRegistry { client in
            let missing = sha256(Array("not pushed yet".utf8))
            let empty = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            let artifact = imageManifest(
                config: (empty, 2), configMediaType: MediaType.ociEmpty, layers: [], artifactType: "application/x.test",
                subject: (missing, 14))
            try await client.pushManifest(artifact, to: "acme/app", reference: sha256(artifact))
            try await client.execute(uri: "/v2/acme/app/referrers/\(missing)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(try response.json(Index.self).manifests.count == 1)
            }
            for repository in ["acme/app", "acme/never-pushed"] {
                try await client.execute(uri: "/v2/\(repository)/referrers/\(sha256([1]))", method: .get) { response throws in
                    #expect(response.status == .ok)
                    #expect(try response.json(Index.self).manifests.isEmpty)
                }
            }
            try await client.execute(uri: "/v2/acme/app/referrers/sha256:nothex", method: .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
        }
    }

    @Test func referrersArePaginatedWithLink() async throws {
        var limits = RegistryLimits.default
        limits.defaultPageSize = 2
        try await withRegistry(limits: limits) { client in
            let (subjectBytes, subject) = try await client.pushImage(to: "acme/app", tag: "v1")
            let empty = try await client.pushBlob(Array("{}".utf8), to: "acme/app")
            var pushed: Set<String> = []
            for number in 0..<5 {
                let artifact = imageManifest(
                    config: (empty, 2), configMediaType: MediaType.ociEmpty, layers: [], artifactType: "application/x.n\(number)",
                    subject: (subject, subjectBytes.count))
                pushed.insert(try await client.pushManifest(artifact, to: "acme/app", reference: sha256(artifact)))
            }
            var seen: Set<String> = []
            var uri: String? = "/v2/acme/app/referrers/\(subject)"
            var pages = 0
            while let next = uri, pages < 10 {
                pages += 1
                uri = try await client.execute(uri: next, method: .get) { response throws in
                    seen.formUnion(try response.json(Index.self).manifests.map(\.digest))
                    return response.header("Link").flatMap(linkTarget)
                }
            }
            #expect(pages == 3)
            #expect(seen == pushed)
        }
    }
}

/// The URI inside `<…>; rel="next"`.
func linkTarget(_ header: String) -> String? {
    guard let start = header.firstIndex(of: "<"), let end = header.firstIndex(of: ">"), header.contains(#"rel="next""#) else {
        return nil
    }
    return String(header[header.index(after: start)..<end])
}
