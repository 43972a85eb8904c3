import AegisCore
import Foundation

/// A tenant.
public struct TenantRecord: Sendable, Hashable, Codable {
    public var name: TenantID
    public var createdAt: Date

    public init(name: TenantID, createdAt: Date) {
        self.name = name
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey { case name, createdAt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try TenantID(try container.decode(String.self, forKey: .name))
        createdAt = try container.decode(Date.self, forKey: .createdAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name.value, forKey: .name)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// A repository, identified internally by a numeric id.
public struct RepositoryRecord: Sendable, Hashable {
    public var id: Int64
    public var name: RepositoryName

    public init(id: Int64, name: RepositoryName) {
        self.id = id
        self.name = name
    }
}

/// An upload session.
public struct UploadRecord: Sendable, Hashable {
    public var id: UploadID
    public var repositoryID: Int64
    /// The algorithm hashed while the body streams (`digest-algorithm=` on POST, else sha256).
    public var algorithm: DigestAlgorithm
    public var createdAt: Date
    public var updatedAt: Date
    /// Set once the content is verified and about to move into the blob store: what it is
    /// being committed as. A session with it set and no upload object left has its bytes in place.
    public var finalizing: BlobInfo?

    public init(
        id: UploadID, repositoryID: Int64, algorithm: DigestAlgorithm, createdAt: Date, updatedAt: Date, finalizing: BlobInfo? = nil
    ) {
        self.id = id
        self.repositoryID = repositoryID
        self.algorithm = algorithm
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finalizing = finalizing
    }
}

/// A blob's digest and size.
public struct BlobInfo: Sendable, Hashable {
    public var digest: Digest
    public var size: Int64

    public init(digest: Digest, size: Int64) {
        self.digest = digest
        self.size = size
    }
}

/// A stored manifest: its exact bytes and what the referrers API reports about it.
public struct ManifestRecord: Sendable, Hashable {
    public var digest: Digest
    /// The media type served as `Content-Type`.
    public var mediaType: String
    public var size: Int64
    public var artifactType: String?
    public var subject: Digest?
    public var annotations: [String: String]?
    /// The bytes as pushed (empty when fetched for listings).
    public var content: Data

    public init(
        digest: Digest, mediaType: String, size: Int64, artifactType: String?, subject: Digest?,
        annotations: [String: String]?, content: Data
    ) {
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.annotations = annotations
        self.content = content
    }
}

/// What a manifest must find in its repository before it may be stored.
public struct ManifestReferences: Sendable, Hashable {
    /// Content a descriptor names: it must exist with exactly this size (and, for manifests, media type).
    public struct Target: Sendable, Hashable {
        public var digest: Digest
        public var size: Int64
        public var mediaType: String

        public init(digest: Digest, size: Int64, mediaType: String) {
            self.digest = digest
            self.size = size
            self.mediaType = mediaType
        }
    }

    /// Blobs (config and layers) that must be linked in the repository.
    public var blobs: [Target]
    /// Manifests (index entries) that must be stored in the repository.
    public var manifests: [Target]

    public init(blobs: [Target], manifests: [Target]) {
        self.blobs = blobs
        self.manifests = manifests
    }
}

/// Errors of the metadata domain that are not OCI errors.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public static let conflict = Code(rawValue: "conflict")
        public static let notFound = Code(rawValue: "not_found")
        public static let unsupported = Code(rawValue: "unsupported")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
