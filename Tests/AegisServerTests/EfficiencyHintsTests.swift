import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct EfficiencyHintsTests {
    private struct Hints: Decodable {
        var storedBytes: Int64
        var untaggedManifests: Int
        var reclaimableBlobs: Int
        var reclaimableBytes: Int64
        var unreferencedBytes: Int64
        var storageGasPerMonth: UInt64
        var storageCO2eGramsPerMonth: Double?
        var oldestUntagged: [Untagged]
        var hints: [String]
        struct Untagged: Decodable { var repository: String, digest: String }
    }

    /// Tagged image A; untagged image B sharing A's config and one layer; a tagged index over an
    /// otherwise untagged image C; referrers of A (kept) and of B (untagged with it); a blob no
    /// manifest uses. Reclaimable: B's own layer, the referrer of B's layer, the unused blob.
    @Test func untaggedManifestsAndTheBlobsOnlyTheyUseAreReclaimable() async throws {
        try await withRegistry { client in
            let repo = "acme/app"
            let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let configDigest = try await client.pushBlob(config, to: repo)
            let shared = randomBytes(1000), onlyB = randomBytes(3000), forC = randomBytes(500)
            let referrerLayerB = randomBytes(700), unused = randomBytes(4000)
            let sharedDigest = try await client.pushBlob(shared, to: repo)
            let onlyBDigest = try await client.pushBlob(onlyB, to: repo)
            let forCDigest = try await client.pushBlob(forC, to: repo)
            let referrerLayerBDigest = try await client.pushBlob(referrerLayerB, to: repo)
            try await client.pushBlob(unused, to: repo)

            let a = imageManifest(config: (configDigest, config.count), layers: [(sharedDigest, shared.count)])
            let aDigest = try await client.pushManifest(a, to: repo, reference: "v1")
            let b = imageManifest(config: (configDigest, config.count), layers: [(sharedDigest, shared.count), (onlyBDigest, onlyB.count)])
            let bDigest = try await client.pushManifest(b, to: repo, reference: sha256(b))
            let c = imageManifest(config: (configDigest, config.count), layers: [(forCDigest, forC.count)])
            let cDigest = try await client.pushManifest(c, to: repo, reference: sha256(c))
            let index = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(cDigest)","size":\#(c.count)}]}"#
                    .utf8)
            try await client.pushManifest(index, to: repo, reference: "multi", mediaType: MediaType.ociIndex)
            let signatureA = imageManifest(
                config: (configDigest, config.count), layers: [(sharedDigest, shared.count)], artifactType: "application/example.sig",
                subject: (aDigest, a.count))
            try await client.pushManifest(signatureA, to: repo, reference: sha256(signatureA))
            let signatureB = imageManifest(
                config: (configDigest, config.count), layers: [(referrerLayerBDigest, referrerLayerB.count)],
                artifactType: "application/example.sig", subject: (bDigest, b.count))
            let signatureBDigest = try await client.pushManifest(signatureB, to: repo, reference: sha256(signatureB))

            let hints = try await client.execute(uri: "/api/v1/tenants/acme/storage/hints", method: .get) { response in
                #expect(response.status == .ok)
                return try response.json(Hints.self)
            }
            #expect(hints.untaggedManifests == 2)
            #expect(Set(hints.oldestUntagged.map(\.digest)) == [bDigest, signatureBDigest])
            #expect(hints.oldestUntagged.allSatisfy { $0.repository == repo })
            #expect(hints.reclaimableBlobs == 3)
            #expect(hints.reclaimableBytes == Int64(onlyB.count + referrerLayerB.count + unused.count))
            #expect(hints.unreferencedBytes == Int64(unused.count))
            #expect(hints.storedBytes == Int64(config.count + shared.count + onlyB.count + forC.count + referrerLayerB.count + unused.count))
            #expect(hints.storageGasPerMonth == 1)
            // CCF: TB-hours × 1.2 Wh (SSD) × PUE 1.135, at AWS's mean 392.78 g/kWh, for 30 days.
            let terabytes = Double(hints.reclaimableBytes) / 1_099_511_627_776
            let grams = terabytes * 720 * 1.2 * 1.135 / 1000 * 392.78
            #expect(abs((hints.storageCO2eGramsPerMonth ?? -1) - grams) < grams * 1e-9)
            #expect(hints.hints.count == 4)

            // Following the hint frees exactly what it promised.
            for digest in [signatureBDigest, bDigest] {
                try await client.execute(uri: "/v2/\(repo)/manifests/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            }
            for digest in [onlyBDigest, referrerLayerBDigest, sha256(unused)] {
                try await client.execute(uri: "/v2/\(repo)/blobs/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            }
            let after = try await client.execute(uri: "/api/v1/tenants/acme/storage/hints?limit=5", method: .get) { try $0.json(Hints.self) }
            #expect(after.untaggedManifests == 0 && after.reclaimableBytes == 0 && after.hints.isEmpty)
            #expect(after.storedBytes == hints.storedBytes - hints.reclaimableBytes)
        }
    }

    @Test func hintsNeedAReaderAndABoundedLimit() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/api/v1/tenants/acme/storage/hints?limit=0", method: .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.header("Content-Type") == "application/problem+json")
            }
            try await client.execute(uri: "/api/v1/tenants/nope/storage/hints", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
