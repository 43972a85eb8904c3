import AegisCore
import Foundation

/// The OCI image config and image manifest of a Spin artifact, encoded with sorted keys.
enum OCIImageDocuments {
    /// The config Spin writes (oci-client's `ConfigFile`): wasm/Wasip1, and a label with the
    /// locked application's digest so that different apps get different image ids.
    static func config(lockedAppDigest: Digest) throws -> [UInt8] {
        let config = ImageConfig(
            architecture: "wasm", os: "Wasip1",
            config: .init(labels: [SpinMediaType.lockedAppDigestLabel: lockedAppDigest.description]),
            rootfs: .init(type: "layers", diffIDs: []))
        return try encode(config)
    }

    static func manifest(config: SpinPackage.Blob, layers: [SpinPackage.Blob], annotations: [String: String]) throws -> [UInt8] {
        let manifest = ImageManifest(
            schemaVersion: 2, mediaType: MediaType.ociManifest, config: config.descriptor, layers: layers.map(\.descriptor),
            annotations: annotations.isEmpty ? nil : annotations)
        return try encode(manifest)
    }

    private static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    private struct ImageConfig: Encodable {
        struct Config: Encodable {
            var labels: [String: String]
            enum CodingKeys: String, CodingKey { case labels = "Labels" }
        }
        struct RootFS: Encodable {
            var type: String
            var diffIDs: [String]
            enum CodingKeys: String, CodingKey {
                case type
                case diffIDs = "diff_ids"
            }
        }
        var architecture: String
        var os: String
        var config: Config
        var rootfs: RootFS
    }

    private struct ImageManifest: Encodable {
        var schemaVersion: Int
        var mediaType: String
        var config: Descriptor
        var layers: [Descriptor]
        var annotations: [String: String]?
    }
}
