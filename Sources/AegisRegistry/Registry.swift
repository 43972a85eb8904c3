import AegisCore
import AegisStore
import Foundation
import Logging
import NIOCore

/// The OCI distribution logic, independent of HTTP: repositories, uploads, blobs, manifests,
/// tags and referrers over a `MetadataStore` and a `BlobStore`.
///
/// Every method takes validated names and answers with values or a `RegistryError`.
public struct Registry: Sendable {
    /// Registry metadata.
    public let metadata: any MetadataStore
    /// Blob bytes.
    public let blobs: any BlobStore
    /// The limits enforced.
    public let limits: RegistryLimits
    /// How long a link to a blob outlives its last use when nothing references it: garbage
    /// collection's grace. A HEAD renews a lease a quarter of this old.
    public let blobLease: TimeInterval
    let uploadStates: UploadStates
    let repositories: RepositoryCache
    let pulls: PullLog
    let logger: Logger

    /// Creates a registry over two stores.
    public init(
        metadata: any MetadataStore, blobs: any BlobStore, limits: RegistryLimits = .default, blobLease: TimeInterval = 3600, logger: Logger
    ) {
        self.metadata = metadata
        self.blobs = blobs
        self.limits = limits
        self.blobLease = blobLease
        self.uploadStates = UploadStates()
        self.repositories = RepositoryCache()
        self.pulls = PullLog()
        self.logger = logger
    }

    /// Writes the pull times gathered since the last flush (see `PullLog`).
    public func flushPulls() async {
        let pending = pulls.drain()
        guard !pending.isEmpty else { return }
        do {
            try await metadata.recordPulls(pending)
        } catch {
            logger.warning("could not record pull times", metadata: ["manifests": "\(pending.count)", "error": "\(error)"])
        }
    }

    /// The repository, or `NAME_UNKNOWN`.
    func existingRepository(_ name: RepositoryName) async throws -> RepositoryRecord {
        guard let repository = try await self.repository(name) else {
            throw RegistryError(.nameUnknown, "repository name not known to registry", detail: ["name": name.value])
        }
        return repository
    }

    /// The repository if it exists, from the cache when possible.
    func repository(_ name: RepositoryName) async throws -> RepositoryRecord? {
        if let cached = repositories.record(for: name) { return cached }
        guard let record = try await metadata.repository(name) else { return nil }
        repositories.remember(record)
        return record
    }

    /// The repository, created inside its tenant when missing.
    func writableRepository(_ name: RepositoryName) async throws -> RepositoryRecord {
        if let cached = repositories.record(for: name) { return cached }
        let record = try await metadata.transaction { try $0.writableRepository(name) }
        repositories.remember(record)
        return record
    }
}

/// One page of a listing.
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page.
    public var items: [Item]
    /// The cursor (`last=`) of the next page, when there is one.
    public var next: String?
    /// The page size used, for the `Link` header.
    public var pageSize: Int
}

extension Registry {
    /// Resolves `n` against the limits.
    /// - Throws: `PAGINATION_NUMBER_INVALID` for a negative `n`.
    func pageSize(_ n: Int?) throws -> Int {
        guard let n else { return limits.defaultPageSize }
        guard n >= 0 else { throw RegistryError(.paginationNumberInvalid, "n must not be negative") }
        return min(n, limits.maxPageSize)
    }

    /// Builds a page from `limit + 1` fetched rows.
    func page<Item>(_ rows: [Item], size: Int, cursor: (Item) -> String) -> Page<Item> {
        guard rows.count > size, size > 0 else { return Page(items: Array(rows.prefix(size)), next: nil, pageSize: size) }
        let items = Array(rows.prefix(size))
        return Page(items: items, next: items.last.map(cursor), pageSize: size)
    }

    /// Repository names in lexical order (`/v2/_catalog`), only those `visible` lets through when given.
    public func catalog(n: Int?, last: String?, visible: RepositoryFilter? = nil) async throws -> Page<String> {
        let size = try pageSize(n)
        guard size > 0, visible?.isEmpty != true else { return Page(items: [], next: nil, pageSize: size) }
        let rows = try await metadata.repositoryNames(after: last, limit: size + 1, visible: visible)
        return page(rows, size: size) { $0 }
    }
}
