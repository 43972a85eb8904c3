import AegisCore
import AegisStore
import Foundation
import NIOCore
import Tracing

extension Registry {
    /// The size of a blob visible in the repository.
    /// - Parameter renewingLease: The caller checks the blob exists before naming it in a manifest
    ///   (a HEAD): the link's lease is renewed when a quarter of `blobLease` old, so garbage
    ///   collection leaves it for the push that follows.
    /// - Throws: `NAME_UNKNOWN` for an unknown repository, `BLOB_UNKNOWN` when the repository does
    ///   not link the blob (whether or not another repository does).
    public func blobSize(_ digest: Digest, in name: RepositoryName, renewingLease: Bool = false) async throws -> Int64 {
        let repository = try await existingRepository(name)
        let size: Int64?
        if renewingLease {
            let now = Date()
            size = try await metadata.linkedBlobSize(
                repository: repository.id, digest: digest, refreshingLeaseBefore: now.addingTimeInterval(-blobLease / 4), now: now)
        } else {
            size = try await metadata.linkedBlobSize(repository: repository.id, digest: digest)
        }
        guard let size else { throw Self.blobUnknown(digest) }
        return size
    }

    /// Streams bytes of a blob already checked with `blobSize`.
    public func readBlob(_ digest: Digest, range: ClosedRange<Int64>, into consume: (ByteBuffer) async throws -> Void)
        async throws
    {
        try await withSpan("aegis.blob.read", ofKind: .client) { span in
            if span.isRecording {
                span.attributes["aegis.blob.digest"] = digest.description
                span.attributes["aegis.blob.bytes"] = Int(range.upperBound - range.lowerBound + 1)
            }
            try await blobs.read(digest, range: range, into: consume)
        }
    }

    /// Where a client may fetch a blob already checked with `blobSize` itself, for `expiresIn`
    /// (a presigned object-store URL), or nil to stream it from here.
    public func blobDownloadURL(_ digest: Digest, expiresIn: Duration) async throws -> String? {
        try await blobs.downloadURL(for: digest, expiresIn: expiresIn)
    }

    /// Unlinks a blob from the repository (`DELETE /blobs/<digest>`).
    ///
    /// The bytes stay in the store: another repository or an upload finishing right now may share
    /// them. Reclaiming unreferenced bytes is garbage collection's job, not a request's.
    public func deleteBlob(_ digest: Digest, in name: RepositoryName) async throws {
        let repository = try await existingRepository(name)
        try await metadata.transaction { tx in
            guard try tx.unlinkBlob(repository: repository.id, digest: digest) else { throw Self.blobUnknown(digest) }
            try tx.append(OutboxEvent(tenant: name.tenant, type: .blobUnlinked, subject: "\(name)@\(digest)", time: tx.now))
        }
    }

    /// Links a blob readable elsewhere into `name` (`POST /blobs/uploads/?mount=&from=`).
    ///
    /// With `from`, the blob must be linked in that repository of the same tenant; without it, in any
    /// repository of the same tenant. Another tenant's repositories are never searched, so the
    /// answer cannot reveal what they hold.
    /// - Returns: The blob size when mounted, `nil` when the caller should upload instead.
    public func mount(_ digest: Digest, into name: RepositoryName, from source: RepositoryName?) async throws -> Int64? {
        let target = try await writableRepository(name)
        let size: Int64?
        if let source {
            guard source.tenant == name.tenant, let from = try await self.repository(source) else { return nil }
            size = try await metadata.linkedBlobSize(repository: from.id, digest: digest)
        } else {
            size = try await metadata.blobSizeLinked(inTenant: name.tenant, digest: digest)
        }
        guard let size, try await blobs.size(of: digest) == size else { return nil }
        _ = try await metadata.transaction { try $0.link(digest, size: size, into: target) }
        return size
    }

    static func blobUnknown(_ digest: Digest) -> RegistryError {
        RegistryError(.blobUnknown, "blob unknown to registry", detail: ["digest": digest.description])
    }
}
