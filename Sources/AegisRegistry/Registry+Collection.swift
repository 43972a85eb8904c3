import AegisCore
import AegisStore
import Foundation

/// What one garbage collection removed, or (a dry run) would remove.
public struct CollectionReport: Sendable, Equatable, Codable {
    /// Links no manifest of their repository references, past their lease.
    public var linksRemoved = 0
    /// Blobs no repository links any more, whose bytes went.
    public var blobsRemoved = 0
    /// The bytes of those blobs.
    public var bytesFreed: Int64 = 0
    public var dryRun = false

    public init() {}
}

extension Registry {
    /// Links removed per unit of work: large enough to be quick, small enough to hold no lock long.
    static let collectionBatch = 200

    /// Garbage collection (see `CollectionStore`): removes the links no manifest of their
    /// repository references whose lease is older than `grace`, then the blobs no repository links
    /// any more, metadata first and bytes after (`BlobStore.removeIfUnclaimed`), so a blob some
    /// writer claims meanwhile is put back; then stored bytes nothing names (what a crash between
    /// the two left). Untagged manifests stay: they still reference their blobs.
    ///
    /// Each removal re-checks in its own transaction what the listing saw, so a manifest pushed,
    /// a mount or a HEAD meanwhile keeps its blob; a manifest PUT checks its blobs' links in its own
    /// transaction, so no stored manifest ever references a removed blob.
    /// - Parameter dryRun: Only report what would go: nothing is written.
    /// - Parameter progress: Called after each batch with the report so far.
    public func collectGarbage(
        now: Date = Date(), grace: TimeInterval, dryRun: Bool = false, progress: (CollectionReport) -> Void = { _ in }
    ) async throws -> CollectionReport {
        var report = CollectionReport()
        report.dryRun = dryRun
        let cutoff = now.addingTimeInterval(-grace)
        var cursor: LinkKey?
        // Dry run: the links that would go, per digest, to tell which blobs would lose their last.
        var wouldUnlink: [Digest: (links: Int, size: Int64)] = [:]
        while true {
            try Task.checkCancellation()
            let links = try await metadata.collectableLinks(usedBefore: cutoff, after: cursor, limit: Self.collectionBatch)
            guard let last = links.last else { break }
            cursor = last.key
            if dryRun {
                for link in links { wouldUnlink[link.key.digest, default: (0, link.size)].links += 1 }
                report.linksRemoved += links.count
            } else {
                let removed = try await metadata.transaction { tx in
                    var removed = 0
                    for link in links where try tx.collectLink(link.key, usedBefore: cutoff) {
                        removed += 1
                        try tx.append(
                            OutboxEvent(
                                tenant: link.repository.tenant, type: .blobUnlinked, subject: "\(link.repository)@\(link.key.digest)",
                                payload: ["by": .string("gc"), "size": .integer(link.size)], time: tx.now))
                    }
                    return removed
                }
                report.linksRemoved += removed
            }
            progress(report)
        }
        if dryRun {
            let counts = try await metadata.linkCounts(Array(wouldUnlink.keys))
            for (digest, unlinked) in wouldUnlink where counts[digest] == unlinked.links {
                report.blobsRemoved += 1
                report.bytesFreed += unlinked.size
            }
        }
        var blobCursor: Digest?
        while true {
            try Task.checkCancellation()
            let candidates = try await metadata.collectableBlobs(after: blobCursor, limit: Self.collectionBatch)
            guard let last = candidates.last else { break }
            blobCursor = last.digest
            if dryRun {
                report.blobsRemoved += candidates.count
                report.bytesFreed += candidates.reduce(0) { $0 + $1.size }
                continue
            }
            let forgotten = try await metadata.transaction { tx in try candidates.filter { try tx.collectBlob($0.digest) } }
            for blob in forgotten {
                // Gone from the metadata: the bytes go unless a writer claimed the digest meanwhile
                // (then they stay, and its commit links them again).
                guard try await removeBytesIfUnnamed(blob.digest) else { continue }
                report.blobsRemoved += 1
                report.bytesFreed += blob.size
            }
            progress(report)
        }
        try await collectOrphans(dryRun: dryRun, into: &report)
        progress(report)
        return report
    }

    /// Stored bytes that no metadata names and no upload claims: what a crash between a blob's
    /// row and its bytes leaves, or an upload whose session expired after it committed its bytes.
    /// No writer's bytes are ever in that state (an upload claims its digest before it commits its
    /// bytes, and its row replaces the claim in one transaction), and each removal re-asks, so a
    /// writer claiming the digest meanwhile keeps them.
    private func collectOrphans(dryRun: Bool, into report: inout CollectionReport) async throws {
        try await forEachUnnamedBlob { blob in
            let removed = dryRun ? true : try await removeBytesIfUnnamed(blob.digest)
            guard removed else { return }
            report.blobsRemoved += 1
            report.bytesFreed += blob.size
        }
    }
}
