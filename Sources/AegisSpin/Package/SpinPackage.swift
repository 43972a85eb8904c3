import AegisCore

/// The OCI artifact `spin registry push` would produce for an application: Wasm and data layers,
/// the locked application as the last layer, an OCI image config and the image manifest.
///
/// Building is deterministic: the same manifest and files give the same bytes and digests.
/// No `org.opencontainers.image.created` annotation is inferred for that reason (pass one in
/// `annotations` if wanted). Archive layers are not produced.
public struct SpinPackage: Sendable, Hashable {
    /// Content to push, with its media type and digest.
    public struct Blob: Sendable, Hashable {
        /// The media type in the manifest.
        public var mediaType: String
        /// The sha256 digest of ``bytes``.
        public var digest: Digest
        /// The content.
        public var bytes: [UInt8]

        /// Creates a blob, hashing its bytes.
        public init(mediaType: String, bytes: [UInt8]) {
            self.mediaType = mediaType
            self.digest = DigestHasher.digest(of: bytes)
            self.bytes = bytes
        }

        /// The descriptor that refers to this blob.
        public var descriptor: Descriptor {
            Descriptor(mediaType: mediaType, digest: digest.description, size: Int64(bytes.count))
        }
    }

    /// Content of at most this many bytes is inlined in the locked application (and, for files, not pushed).
    public static let inlineLimit = 128

    /// The locked application, with every source and file referred to by digest.
    public var lockedApp: LockedApp
    /// Layers in manifest order; the last is the locked application JSON.
    public var layers: [Blob]
    /// The OCI image config.
    public var config: Blob
    /// The OCI image manifest (`application/vnd.oci.image.manifest.v1+json`).
    public var imageManifest: Blob

    /// Every blob the manifest refers to: push these before ``imageManifest``.
    public var blobs: [Blob] { [config] + layers }

    /// Packages an application.
    /// - Parameters:
    ///   - manifest: The parsed `spin.toml`.
    ///   - sources: The manifest's directory.
    ///   - annotations: Manifest annotations; they override the inferred title, version,
    ///     description and authors.
    ///   - downloads: Bytes of `{ url, digest }` component sources, by URL (this module does no I/O).
    /// - Throws: ``SpinError`` `FILE_NOT_FOUND`, `FILE_PATH_INVALID` or `DIGEST_MISMATCH`.
    public init(
        manifest: SpinManifest, sources: some SpinSourceTree, annotations: [String: String] = [:], downloads: [String: [UInt8]] = [:]
    ) throws {
        var layers = LayerList()
        let components = try manifest.components.map { component in
            try Self.lock(component, sources: sources, downloads: downloads, layers: &layers)
        }
        lockedApp = LockedApp(manifest: manifest, components: components)
        let locked = Blob(mediaType: SpinMediaType.lockedApp, bytes: try lockedApp.jsonBytes())
        layers.append(locked)
        self.layers = layers.blobs
        config = Blob(mediaType: MediaType.ociConfig, bytes: try OCIImageDocuments.config(lockedAppDigest: locked.digest))
        imageManifest = Blob(
            mediaType: MediaType.ociManifest,
            bytes: try OCIImageDocuments.manifest(
                config: config, layers: self.layers, annotations: Self.annotations(for: manifest.application, explicit: annotations))
        )
    }

    private static func lock(
        _ component: SpinManifest.Component, sources: some SpinSourceTree, downloads: [String: [UInt8]], layers: inout LayerList
    ) throws -> LockedApp.Component {
        let wasm = Blob(mediaType: SpinMediaType.wasmLayer, bytes: try wasmBytes(of: component, sources: sources, downloads: downloads))
        layers.append(wasm)
        let placed = try ComponentFiles(tree: sources, component: component).resolve()
        let files = try placed.sorted { $0.key < $1.key }.map { guestPath, sourcePath in
            let file = Blob(mediaType: SpinMediaType.dataLayer, bytes: try sources.read(sourcePath))
            // Small files travel inline only: some registries reject very small blobs.
            if file.bytes.count > inlineLimit { layers.append(file) }
            return LockedApp.File(content: contentRef(file), path: guestPath)
        }
        return LockedApp.Component(
            id: component.id, metadata: component.lockedMetadata, source: LockedApp.Source(content: contentRef(wasm)),
            environment: component.environment, files: files, config: component.variables
        )
    }

    private static func wasmBytes(
        of component: SpinManifest.Component, sources: some SpinSourceTree, downloads: [String: [UInt8]]
    ) throws -> [UInt8] {
        switch component.source {
        case .local(let path):
            return try sources.read(ComponentFiles.relativePath(path, what: "component '\(component.id)' source"))
        case .remote(let url, let digest):
            guard let bytes = downloads[url] else {
                throw SpinError(.fileNotFound, "component '\(component.id)': source \(url) was not downloaded")
            }
            let actual = DigestHasher.digest(of: bytes).description
            guard actual == digest else {
                throw SpinError(.digestMismatch, "component '\(component.id)': \(url) has digest \(actual), the manifest says \(digest)")
            }
            return bytes
        }
    }

    private static func contentRef(_ blob: Blob) -> LockedApp.ContentRef {
        LockedApp.ContentRef(inline: blob.bytes.count <= inlineLimit ? blob.bytes : nil, digest: blob.digest.description)
    }

    private static func annotations(for application: SpinManifest.Application, explicit: [String: String]) -> [String: String] {
        var inferred = ["org.opencontainers.image.title": application.name]
        inferred["org.opencontainers.image.version"] = application.version
        inferred["org.opencontainers.image.description"] = application.description
        if !application.authors.isEmpty {
            inferred["org.opencontainers.image.authors"] = application.authors.joined(separator: ", ")
        }
        return inferred.merging(explicit) { _, explicit in explicit }
    }
}

/// Layers in first-seen order without duplicates (Spin pushes identical content once).
private struct LayerList {
    private(set) var blobs: [SpinPackage.Blob] = []
    private var seen: Set<String> = []

    mutating func append(_ blob: SpinPackage.Blob) {
        if seen.insert("\(blob.mediaType) \(blob.digest)").inserted { blobs.append(blob) }
    }
}
