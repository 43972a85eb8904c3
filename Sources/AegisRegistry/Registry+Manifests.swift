import AegisCore
import AegisStore
import Foundation
import NIOCore

/// The outcome of a manifest push.
public struct PushedManifest: Sendable, Hashable {
    /// The digest of the stored bytes.
    public var digest: Digest
    /// The subject, when the manifest has one (reported as `OCI-Subject`).
    public var subject: Digest?
    /// The tags now pointing at the manifest (reported as `OCI-Tag`).
    public var tags: [Tag]
}

extension Registry {
    /// Stores a manifest (`PUT /manifests/<reference>[?tag=…]`).
    /// - Parameters:
    ///   - reference: The tag or digest in the URL.
    ///   - extraTags: Values of repeated `tag` query parameters.
    ///   - contentType: The request's `Content-Type`.
    ///   - body: The request body, read up to the manifest size limit.
    /// - Throws: `SIZE_INVALID` (413) over the limit, `MANIFEST_INVALID`, `DIGEST_INVALID` when a
    ///   digest reference does not match, `MANIFEST_BLOB_UNKNOWN` for a missing reference.
    public func putManifest<Body: AsyncSequence>(
        in name: RepositoryName, reference: Reference, extraTags: [String], contentType: String?, body: Body
    ) async throws -> PushedManifest where Body.Element == ByteBuffer {
        guard extraTags.count <= limits.maxTagsPerPush else {
            throw RegistryError(.tooManyTags, "at most \(limits.maxTagsPerPush) tag parameters are accepted")
        }
        var tags = try extraTags.map { try Tag($0) }
        let data = try await Self.collect(body, limit: limits.maxManifestBytes)
        let manifest = try Manifest(parsing: data, contentType: contentType)
        let digest: Digest
        switch reference {
        case .digest(let expected):
            digest = DigestHasher.digest(of: data, using: expected.algorithm)
            guard digest == expected else {
                throw RegistryError(
                    .digestInvalid, "manifest content does not match the digest in the URL",
                    detail: ["expected": expected.description, "actual": digest.description])
            }
        case .tag(let tag):
            digest = DigestHasher.digest(of: data)
            tags.insert(tag, at: 0)
        }
        let references = try ManifestReferences(
            blobs: manifest.requiredBlobs.map(Self.target), manifests: manifest.manifests.map(Self.target))
        let subject = try manifest.subject.map { try Digest(parsing: $0.digest) }
        let header = contentType.map(MediaType.essence).flatMap { $0.isEmpty || $0 == "application/json" ? nil : $0 }
        let record = ManifestRecord(
            digest: digest, mediaType: header ?? manifest.mediaType, size: Int64(data.count),
            artifactType: manifest.referrerArtifactType, subject: subject, annotations: manifest.annotations, content: data)
        let repository = try await writableRepository(name)
        var unique: [Tag] = []
        for tag in tags where !unique.contains(tag) { unique.append(tag) }
        try await metadata.transaction { [unique] tx in try tx.store(record, references: references, tags: unique, in: repository) }
        return PushedManifest(digest: digest, subject: subject, tags: unique)
    }

    private static func target(_ descriptor: Descriptor) throws -> ManifestReferences.Target {
        ManifestReferences.Target(digest: try Digest(parsing: descriptor.digest), size: descriptor.size, mediaType: descriptor.mediaType)
    }

    /// A manifest with its bytes (`GET`/`HEAD /manifests/<reference>`).
    /// - Parameter pulled: A client pulls it (a GET): its pull time is recorded (for retention).
    /// - Throws: `NAME_UNKNOWN`, or `MANIFEST_UNKNOWN`.
    public func manifest(_ reference: Reference, in name: RepositoryName, pulled: Bool = false) async throws -> ManifestRecord {
        let repository = try await existingRepository(name)
        let record: ManifestRecord?
        switch reference {
        case .digest(let digest): record = try await metadata.manifest(repository: repository.id, digest: digest)
        case .tag(let tag): record = try await metadata.manifest(repository: repository.id, tag: tag)
        }
        guard let record else {
            throw RegistryError(.manifestUnknown, "manifest unknown to registry", detail: ["reference": reference.description])
        }
        if pulled { pulls.record(LinkKey(repository: repository.id, digest: record.digest), at: Date()) }
        return record
    }

    /// Deletes a tag (untag) or a manifest with all its tags (`DELETE /manifests/<reference>`).
    public func deleteManifest(_ reference: Reference, in name: RepositoryName) async throws {
        let repository = try await existingRepository(name)
        try await metadata.transaction { tx in
            guard try tx.delete(reference, in: repository) else {
                throw RegistryError(.manifestUnknown, "manifest unknown to registry", detail: ["reference": reference.description])
            }
        }
    }

    /// Tags in lexical order (`GET /tags/list?n=&last=`).
    public func tags(in name: RepositoryName, n: Int?, last: String?) async throws -> Page<String> {
        let repository = try await existingRepository(name)
        let size = try pageSize(n)
        guard size > 0 else { return Page(items: [], next: nil, pageSize: 0) }
        let rows = try await metadata.tags(repository: repository.id, after: last, limit: size + 1)
        return page(rows, size: size) { $0 }
    }

    /// Manifests whose subject is `digest` (`GET /referrers/<digest>`). An unknown repository or
    /// subject yields an empty list, never an error.
    public func referrers(
        of digest: Digest, in name: RepositoryName, artifactType: String?, last: String?
    ) async throws -> Page<Descriptor> {
        guard let repository = try await self.repository(name) else { return Page(items: [], next: nil, pageSize: 0) }
        let size = limits.defaultPageSize
        let rows = try await metadata.referrers(
            repository: repository.id, subject: digest, artifactType: artifactType, after: last, limit: size + 1)
        let descriptors = rows.map {
            Descriptor(
                mediaType: $0.mediaType, digest: $0.digest.description, size: $0.size, artifactType: $0.artifactType,
                annotations: $0.annotations)
        }
        return page(descriptors, size: size) { $0.digest }
    }

    /// Reads a body into memory, refusing more than `limit` bytes.
    static func collect<Body: AsyncSequence>(_ body: Body, limit: Int) async throws -> Data where Body.Element == ByteBuffer {
        var data = Data()
        for try await buffer in body {
            guard data.count + buffer.readableBytes <= limit else {
                throw RegistryError(.payloadTooLarge, "manifest exceeds the limit of \(limit) bytes", detail: ["limit": String(limit)])
            }
            buffer.withUnsafeReadableBytes { data.append(contentsOf: $0) }
        }
        return data
    }
}
