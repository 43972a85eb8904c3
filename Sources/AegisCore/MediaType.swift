import Foundation

/// Media types the registry understands.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// A Docker layer fetched from its `urls`, never pushed.
    public static let dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// The kind of manifest a media type denotes, if it is one the registry accepts.
    public static func manifestKind(of mediaType: String) -> ManifestKind? {
        switch mediaType {
        case ociManifest, dockerManifest: .image
        case ociIndex, dockerManifestList: .index
        default: nil
        }
    }

    /// Strips parameters (`; charset=…`) and whitespace, lowercasing the type.
    public static func essence(_ contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return base.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// Whether a manifest lists blobs (image) or other manifests (index).
public enum ManifestKind: String, Sendable, Hashable {
    case image
    case index
}
