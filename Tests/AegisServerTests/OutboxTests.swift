import AegisCore
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every change writes exactly one event, in the change's own transaction; a refused change writes none.
@Suite struct OutboxTests {
    /// Runs `body` against a fresh registry, then answers the events it wrote, as `type subject` lines.
    func events(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> [String] {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run { client in try await body(client) }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        // The test registry's own setup (its administrator) aside.
        return try await storage.metadata.events(after: nil, limit: 1000).map { "\($0.type) \($0.subject)" }.filter {
            $0 != "user.created user:admin"
        }
    }

    @Test func registryChangesWriteOneEventEach() async throws {
        let layer = Array("layer".utf8)
        let written = try await events { client in
            let (_, digest) = try await client.pushImage(to: "acme/app", tag: "v1", layer: layer)
            try await client.pushManifest(try #require(imageManifestFor(client)), to: "acme/app", reference: "v1", expect: .created)
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/manifests/\(digest)", method: .delete) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(layer))", method: .delete) { #expect($0.status == .accepted) }
        }
        let config = sha256(Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8))
        #expect(written.first == "repository.created acme/app")
        #expect(written.filter { $0.hasPrefix("blob.linked") } == ["blob.linked acme/app@\(config)", "blob.linked acme/app@\(sha256(layer))"])
        #expect(written.filter { $0.hasPrefix("manifest.pushed") }.count == 2)
        #expect(written.filter { $0.hasPrefix("tag.moved acme/app:v1") }.count == 2)  // pushed, then moved to the second
        #expect(written.filter { $0.hasPrefix("tag.removed") } == ["tag.removed acme/app:v1"])
        #expect(written.filter { $0.hasPrefix("manifest.deleted") }.count == 1)
        #expect(written.last == "blob.unlinked acme/app@\(sha256(layer))")
        #expect(written.count == 10)
    }

    @Test func refusedAndRepeatedChangesWriteNone() async throws {
        let written = try await events { client in
            let (manifest, _) = try await client.pushImage(to: "acme/app", tag: "v1")
            // The same manifest and tag again: nothing changes.
            try await client.pushManifest(manifest, to: "acme/app", reference: "v1")
            // A manifest naming a blob the repository does not have: refused.
            let dangling = imageManifest(config: (sha256([1]), 1), layers: [])
            try await client.pushManifest(dangling, to: "acme/app", reference: "v2", expect: .badRequest)
            // Unknown repositories and tenants are not created by refusals.
            try await client.execute(uri: "/v2/nowhere/app/blobs/uploads/", method: .post) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/acme/app/manifests/v9", method: .delete) { #expect($0.status == .notFound) }
        }
        #expect(written.count == 5)  // repository, config, layer, manifest, tag
        #expect(!written.contains { $0.contains("v2") || $0.contains("nowhere") })
    }
}

/// A second image manifest for the test image's blobs (another annotation, so another digest).
private func imageManifestFor(_ client: some TestClientProtocol) -> [UInt8]? {
    let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
    return imageManifest(
        config: (sha256(config), config.count), layers: [(sha256(Array("layer".utf8)), 5)], annotations: ["second": "yes"])
}
