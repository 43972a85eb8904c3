/// An OCI content descriptor.
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: String
    public var size: Int64
    public var artifactType: String?
    public var annotations: [String: String]?
    public var urls: [String]?
    /// The content itself, base64-encoded (image spec 1.1); checked against `digest` and `size`.
    public var data: String?
    public var platform: Platform?

    /// Creates a descriptor.
    public init(
        mediaType: String, digest: String, size: Int64, artifactType: String? = nil, annotations: [String: String]? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.artifactType = artifactType
        self.annotations = annotations
    }

    /// A non-distributable (foreign) layer with the `urls` to fetch it from: its bytes need not be
    /// in the registry.
    public var isForeign: Bool {
        guard let urls, !urls.isEmpty else { return false }
        return mediaType.contains(".nondistributable.") || mediaType == MediaType.dockerForeignLayer
    }

    /// The platform of an index entry.
    public struct Platform: Codable, Hashable, Sendable {
        public var architecture: String
        public var os: String
        public var variant: String?
        public var osVersion: String?
        public var osFeatures: [String]?

        enum CodingKeys: String, CodingKey {
            case architecture, os, variant
            case osVersion = "os.version"
            case osFeatures = "os.features"
        }
    }
}
