import AegisCore
import AegisStore
import Foundation
import NIOCore

/// What `fsck` found, and what it repaired.
public struct CheckReport: Sendable, Equatable, Codable {
    /// One finding. `kind` is stable (docs/OPERATIONS.md lists them); `subject` names the object.
    public struct Problem: Sendable, Equatable, Codable {
        public var kind: String
        public var subject: String
        public var detail: String
        /// `--repair` fixed it.
        public var repaired: Bool
    }

    public var manifests = 0
    public var blobs = 0
    /// Bytes re-hashed (`--deep`).
    public var bytesHashed: Int64 = 0
    public var problems: [Problem] = []

    public init() {}

    /// Problems that remain (not repaired).
    public var unrepaired: Int { problems.filter { !$0.repaired }.count }
}

extension Registry {
    /// Checks that metadata and stored bytes agree:
    /// - every manifest parses, its blobs are linked in its repository and an index's entries are stored there;
    /// - every blob row has its object with the row's size (`deep`: and the bytes hash to its digest);
    /// - no object lacks a row or an upload claiming it (`orphan_object`), no row lacks a link or a claim (`unlinked_blob`);
    /// - every tenant's storage count equals its recount (`storage_count`);
    /// - with `gasPeriod`, every shared gas balance of that period agrees with the ledger
    ///   (`gas_balance`, `gas_reserved`; see `checkGasBalances`).
    ///
    /// `repair` does only what cannot lose data: removes orphan objects and unlinked blobs (as
    /// garbage collection does, re-checked and claim-safe), resets storage counts to the recount
    /// and gas balances to the ledger. A missing or damaged object is reported, never "repaired":
    /// only a backup has its bytes.
    public func check(
        deep: Bool, repair: Bool, gasPeriod: Date? = nil, settle: Duration = .seconds(2), progress: (CheckReport) -> Void = { _ in }
    ) async throws -> CheckReport {
        var report = CheckReport()
        try await checkManifests(into: &report, progress: progress)
        try await checkBlobs(deep: deep, into: &report, progress: progress)
        try await checkOrphans(repair: repair, into: &report)
        let counts =
            repair
            ? try await metadata.transaction { try $0.resetStorageCounts() }
            : try await metadata.recountStorage().filter { $0.counted != $0.recounted }
        for count in counts {
            report.problems.append(
                .init(
                    kind: "storage_count", subject: "tenant:\(count.tenant)",
                    detail: "counted \(count.counted) bytes, the links add up to \(count.recounted)", repaired: repair))
        }
        if let gasPeriod { report.problems += try await checkGasBalances(period: gasPeriod, settle: settle, repair: repair) }
        return report
    }

    private func checkManifests(into report: inout CheckReport, progress: (CheckReport) -> Void) async throws {
        var cursor: LinkKey?
        while true {
            try Task.checkCancellation()
            let page = try await metadata.storedManifests(after: cursor, limit: Self.collectionBatch)
            guard let last = page.last else { return }
            cursor = last.key
            for stored in page {
                report.manifests += 1
                let subject = "\(stored.repository)@\(stored.record.digest)"
                let manifest: Manifest
                do {
                    manifest = try Manifest(parsing: stored.record.content, contentType: stored.record.mediaType)
                } catch {
                    report.problems.append(.init(kind: "unparsable_manifest", subject: subject, detail: "\(error)", repaired: false))
                    continue
                }
                for blob in manifest.requiredBlobs {
                    guard let digest = try? Digest(parsing: blob.digest),
                        try await metadata.linkedBlobSize(repository: stored.key.repository, digest: digest) != nil
                    else {
                        report.problems.append(
                            .init(
                                kind: "missing_blob_link", subject: subject, detail: "references \(blob.digest), not linked in the repository",
                                repaired: false))
                        continue
                    }
                }
                for child in manifest.manifests {
                    guard let digest = try? Digest(parsing: child.digest),
                        try await metadata.manifest(repository: stored.key.repository, digest: digest) != nil
                    else {
                        report.problems.append(
                            .init(
                                kind: "missing_manifest", subject: subject, detail: "lists \(child.digest), not stored in the repository",
                                repaired: false))
                        continue
                    }
                }
            }
            progress(report)
        }
    }

    private func checkBlobs(deep: Bool, into report: inout CheckReport, progress: (CheckReport) -> Void) async throws {
        var cursor: Digest?
        while true {
            try Task.checkCancellation()
            let page = try await metadata.blobRecords(after: cursor, limit: Self.collectionBatch)
            guard let last = page.last else { return }
            cursor = last.digest
            for blob in page {
                report.blobs += 1
                guard let size = try await blobs.size(of: blob.digest) else {
                    report.problems.append(.init(kind: "missing_object", subject: "\(blob.digest)", detail: "no stored bytes", repaired: false))
                    continue
                }
                guard size == blob.size else {
                    report.problems.append(
                        .init(
                            kind: "size_mismatch", subject: "\(blob.digest)", detail: "stored \(size) bytes, recorded \(blob.size)", repaired: false))
                    continue
                }
                guard deep, size > 0 else { continue }
                var hasher = DigestHasher(blob.digest.algorithm)
                try await blobs.read(blob.digest, range: 0...(size - 1)) { buffer in
                    buffer.withUnsafeReadableBytes { hasher.update($0) }
                }
                report.bytesHashed += size
                let actual = hasher.finalize()
                if actual != blob.digest {
                    report.problems.append(
                        .init(kind: "digest_mismatch", subject: "\(blob.digest)", detail: "the bytes hash to \(actual)", repaired: false))
                }
            }
            progress(report)
        }
    }

    /// Objects nothing names, and rows nothing links: what a crash or an interrupted collection
    /// leaves. Repaired the way garbage collection removes, so a writer claiming one meanwhile keeps it.
    private func checkOrphans(repair: Bool, into report: inout CheckReport) async throws {
        try await forEachUnnamedBlob { blob in
            let removed = repair ? try await removeBytesIfUnnamed(blob.digest) : false
            report.problems.append(
                .init(kind: "orphan_object", subject: "\(blob.digest)", detail: "stored bytes no metadata names", repaired: removed))
        }
        var cursor: Digest?
        while true {
            let page = try await metadata.collectableBlobs(after: cursor, limit: Self.collectionBatch)
            guard let last = page.last else { return }
            cursor = last.digest
            for blob in page {
                // Repaired once the row is gone; its bytes go too, unless claimed meanwhile.
                let removed = repair ? try await metadata.transaction { try $0.collectBlob(blob.digest) } : false
                if removed { _ = try await removeBytesIfUnnamed(blob.digest) }
                report.problems.append(
                    .init(kind: "unlinked_blob", subject: "\(blob.digest)", detail: "\(blob.size) bytes no repository links", repaired: removed))
            }
        }
    }
}
