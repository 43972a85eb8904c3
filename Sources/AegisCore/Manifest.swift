import Foundation

/// What the registry needs to know about a manifest: the references it must check and the
/// metadata the referrers API reports. The bytes themselves are stored exactly as pushed.
public struct Manifest: Sendable, Hashable {
    /// Image or index.
    public var kind: ManifestKind
    /// The effective media type (body `mediaType`, else the request's `Content-Type`).
    public var mediaType: String
    /// `artifactType`, if set.
    public var artifactType: String?
    /// The config descriptor of an image manifest.
    public var config: Descriptor?
    /// Layers of an image manifest (possibly empty for artifacts).
    public var layers: [Descriptor]
    /// Manifests of an index.
    public var manifests: [Descriptor]
    /// The manifest this one refers to, if any.
    public var subject: Descriptor?
    /// Manifest annotations.
    public var annotations: [String: String]?

    /// The `artifactType` the referrers API reports for this manifest.
    public var referrerArtifactType: String? {
        if let artifactType { return artifactType }
        return kind == .image ? config?.mediaType : nil
    }

    /// Parses and validates a manifest body.
    /// - Parameters:
    ///   - data: The exact bytes pushed.
    ///   - contentType: The request's `Content-Type`, if any.
    /// - Throws: `MANIFEST_INVALID` when the body is not a manifest the registry accepts (not
    ///   strict JSON, see `StrictJSON`; a required member missing or null; an embedded `data` that
    ///   does not match its descriptor), or its media type disagrees with the `Content-Type`.
    public init(parsing data: Data, contentType: String?) throws {
        do {
            try StrictJSON.validate(data)
        } catch let violation as StrictJSON.Violation {
            throw RegistryError(.manifestInvalid, "manifest is not strict JSON: \(violation)", detail: ["reason": violation.kind.rawValue])
        }
        let raw: RawManifest
        do {
            raw = try JSONDecoder().decode(RawManifest.self, from: data)
        } catch {
            throw RegistryError(.manifestInvalid, "manifest is not valid JSON of the expected shape: \(Self.describe(error))")
        }
        let header = contentType.map(MediaType.essence).flatMap { $0.isEmpty ? nil : $0 }
        if let header, header == MediaType.dockerSchema1 || header == MediaType.dockerSchema1Signed {
            throw RegistryError(.manifestInvalid, "Docker schema 1 manifests are not supported")
        }
        if let bodyType = raw.mediaType, let header, bodyType != header, header != "application/json" {
            throw RegistryError(
                .manifestInvalid, "manifest mediaType '\(bodyType)' does not match Content-Type '\(header)'")
        }
        let declared = raw.mediaType ?? header ?? Self.guessMediaType(raw)
        guard let declared, let kind = MediaType.manifestKind(of: declared) else {
            throw RegistryError(.manifestInvalid, "unsupported manifest media type '\(raw.mediaType ?? header ?? "none")'")
        }
        guard raw.schemaVersion == 2 else {
            throw RegistryError(.manifestInvalid, "schemaVersion must be 2")
        }
        self.kind = kind
        self.mediaType = declared
        self.artifactType = raw.artifactType
        self.subject = raw.subject
        self.annotations = raw.annotations
        switch kind {
        case .image:
            guard let config = raw.config else {
                throw RegistryError(.manifestInvalid, "an image manifest needs a config descriptor")
            }
            guard raw.manifests == nil else {
                throw RegistryError(.manifestInvalid, "an image manifest cannot list manifests")
            }
            guard let layers = raw.layers else {
                throw RegistryError(.manifestInvalid, "an image manifest needs a layers array (empty for an artifact without layers)")
            }
            self.config = config
            self.layers = layers
            self.manifests = []
        case .index:
            guard raw.config == nil, raw.layers == nil else {
                throw RegistryError(.manifestInvalid, "an index cannot have a config or layers")
            }
            guard let manifests = raw.manifests else {
                throw RegistryError(.manifestInvalid, "an index needs a manifests array")
            }
            self.config = nil
            self.layers = []
            self.manifests = manifests
        }
        try validateDescriptors()
    }

    /// All descriptors this manifest must find in its repository (subject excluded). A
    /// non-distributable layer that names `urls` is fetched from there, never from a registry, so
    /// it need not be pushed (the OCI conformance suite pushes such manifests without those layers).
    public var requiredBlobs: [Descriptor] { (config.map { [$0] } ?? []) + layers.filter { !$0.isForeign } }

    /// Every descriptor the manifest holds, for the checks that apply to all of them.
    private var allDescriptors: [Descriptor] { (config.map { [$0] } ?? []) + layers + manifests + (subject.map { [$0] } ?? []) }

    private func validateDescriptors() throws {
        for descriptor in allDescriptors {
            let digest: Digest
            do {
                digest = try Digest(parsing: descriptor.digest)
            } catch {
                throw RegistryError(.manifestInvalid, "descriptor digest '\(descriptor.digest)' is invalid")
            }
            guard descriptor.size >= 0 else {
                throw RegistryError(.manifestInvalid, "descriptor size must not be negative")
            }
            if let data = descriptor.data {
                // Clients may use embedded data instead of fetching the blob: it must be that blob,
                // in the one canonical base64 spelling (decoders differ on the others).
                guard let bytes = Data(base64Encoded: data), bytes.base64EncodedString() == data, Int64(bytes.count) == descriptor.size,
                    DigestHasher.digest(of: bytes, using: digest.algorithm) == digest
                else {
                    throw RegistryError(
                        .manifestInvalid, "the data of descriptor \(digest) does not match its digest and size",
                        detail: ["digest": digest.description])
                }
            }
        }
    }

    private static func guessMediaType(_ raw: RawManifest) -> String? {
        if raw.manifests != nil { return MediaType.ociIndex }
        if raw.config != nil { return MediaType.ociManifest }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "unreadable JSON"
        }
    }
}

/// The superset of image manifest and index fields; unknown fields are ignored (but kept in the stored bytes).
private struct RawManifest: Decodable {
    var schemaVersion: Int
    var mediaType: String?
    var artifactType: String?
    var config: Descriptor?
    var layers: [Descriptor]?
    var manifests: [Descriptor]?
    var subject: Descriptor?
    var annotations: [String: String]?
}
