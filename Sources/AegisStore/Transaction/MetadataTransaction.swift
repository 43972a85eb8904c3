import AegisCore
import Foundation

/// A store that can run a unit of work.
public protocol TransactionalStore: Sendable {
    /// Runs `body` as one transaction: its reads see its own writes, and all its changes and events
    /// commit together, or none does (a thrown error rolls everything back).
    ///
    /// Bodies are synchronous and short. They run on the driver's writer, never on an event loop
    /// or the cooperative pool: GRDB's writer queue for SQLite; for PostgreSQL a thread of the
    /// driver's own pool, bound to one connection for the transaction. Writers are serialized (SQLite)
    /// or isolated (PostgreSQL, with retries on serialization failures), so a rule checked in the
    /// body (a quota, a reference) still holds when the body commits.
    func transaction<T: Sendable>(_ body: @Sendable (any MetadataTransaction) throws -> T) async throws -> T
}

/// What a unit of work can read and change. Rules (quotas, references, who may be removed) are
/// decided by the caller with these reads; the driver only keeps the data consistent (counters,
/// cascades) and reports constraint violations as `StoreError`.
public protocol MetadataTransaction {
    /// The time the transaction started, for every row it writes.
    var now: Date { get }

    // MARK: Outbox

    /// Appends an event that commits with this transaction.
    func append(_ event: OutboxEvent) throws

    // MARK: Tenants and repositories

    func tenant(_ tenant: TenantID) throws -> TenantRecord?
    /// - Throws: `StoreError.conflict` when it exists.
    func insertTenant(_ tenant: TenantID) throws -> TenantRecord
    /// Deletes a tenant with everything only it holds (members, robots, grants, settings).
    /// - Throws: `StoreError.notFound`, or `.conflict` while it has repositories.
    func deleteTenant(_ tenant: TenantID) throws
    func repository(_ name: RepositoryName) throws -> RepositoryRecord?
    /// - Throws: `StoreError.conflict` when it exists, `.notFound` when its tenant does not.
    func insertRepository(_ name: RepositoryName) throws -> RepositoryRecord
    /// Marks a repository public (anonymous pulls) or private.
    func setPublic(_ isPublic: Bool, repository: RepositoryName) throws

    // MARK: Blobs and storage

    /// The size of a blob if it is linked in the repository.
    func linkedBlobSize(repository: Int64, digest: Digest) throws -> Int64?
    /// Whether any repository of `tenant` links the blob (it then counts once for the tenant).
    func tenantLinks(_ tenant: TenantID, digest: Digest) throws -> Bool
    /// Records a blob and links it into the repository, counting its bytes for the tenant when new to it.
    /// - Returns: whether a link was added.
    func linkBlob(repository: Int64, digest: Digest, size: Int64) throws -> Bool
    /// Removes a link (and the tenant's count of the bytes when it was the last). - Returns: whether it existed.
    func unlinkBlob(repository: Int64, digest: Digest) throws -> Bool
    /// Bytes the tenant stores, as counted.
    func storageUsed(by tenant: TenantID) throws -> Int64
    /// The tenant's quota; nil is unlimited.
    func storageQuota(of tenant: TenantID) throws -> Int64?
    /// - Throws: `StoreError.notFound` for an unknown tenant.
    func setStorageQuota(_ bytes: Int64?, of tenant: TenantID) throws

    // MARK: Uploads

    func upload(_ id: UploadID) throws -> UploadRecord?
    func deleteUpload(_ id: UploadID) throws

    // MARK: Manifests and tags

    /// Size and media type of a stored manifest.
    func manifestSummary(repository: Int64, digest: Digest) throws -> (size: Int64, mediaType: String)?
    /// Stores a manifest's bytes (a repeated push of the same bytes updates only its media type) and
    /// the blobs it references (config, layers, an artifact's blobs), which garbage collection keeps.
    func insertManifest(repository: Int64, _ manifest: ManifestRecord, blobs: Set<Digest>) throws
    /// The digest a tag points at.
    func tagTarget(repository: Int64, tag: Tag) throws -> Digest?
    /// Points a tag at a stored manifest.
    func setTag(repository: Int64, tag: Tag, digest: Digest) throws
    /// The tags pointing at a manifest.
    func tags(repository: Int64, pointingAt digest: Digest) throws -> [Tag]
    /// Deletes a manifest and every tag on it. - Returns: whether it existed.
    func deleteManifest(repository: Int64, digest: Digest) throws -> Bool
    /// - Returns: whether the tag existed.
    func deleteTag(repository: Int64, tag: Tag) throws -> Bool

    // MARK: Identity

    func user(named name: String) throws -> UserRecord?
    /// - Throws: `StoreError.conflict` when the name is taken.
    func insertUser(_ user: UserRecord) throws
    /// Deletes a user with their memberships and grants. - Returns: whether they existed.
    func deleteUser(named name: String) throws -> Bool
    /// - Returns: whether the user exists.
    func setPasswordHash(_ hash: String, forUser name: String) throws -> Bool
    func role(of user: String, in tenant: TenantID) throws -> Role?
    /// Sets (nil: removes) a membership. - Throws: `StoreError.notFound` for an unknown user or tenant.
    func setRole(_ role: Role?, of user: String, in tenant: TenantID) throws
    /// Sets (nil: removes) a repository grant. - Throws: `StoreError.notFound` for an unknown user or tenant.
    func setGrant(_ role: Role?, of user: String, on pattern: String, in tenant: TenantID) throws
    func robot(_ name: String, in tenant: TenantID) throws -> RobotRecord?
    /// - Throws: `StoreError.conflict` when the name is taken in the tenant, or an active robot
    ///   already holds its certificate identity.
    func insertRobot(_ robot: RobotRecord) throws
    /// - Returns: whether an unrevoked robot of that name existed.
    func revokeRobot(_ name: String, in tenant: TenantID) throws -> Bool

    // MARK: Garbage collection (see `CollectionStore`)

    /// Removes a link if it is still collectable: no manifest of its repository references the
    /// blob and its lease is older than `cutoff`. Storage counts follow, as for `unlinkBlob`.
    /// - Returns: whether it was removed.
    func collectLink(_ key: LinkKey, usedBefore cutoff: Date) throws -> Bool
    /// Forgets a blob if it is still collectable: no repository links it, no upload claims it, and
    /// no collection hold is in force (`CollectionStore.holdCollection`).
    /// Its bytes go afterwards (`BlobStore.removeIfUnclaimed`). - Returns: whether it was forgotten.
    func collectBlob(_ digest: Digest) throws -> Bool

    /// Sets every tenant's storage count to what its links recount (fsck --repair).
    /// - Returns: the tenants whose count changed, with the old and the new bytes.
    func resetStorageCounts() throws -> [(tenant: String, counted: Int64, recounted: Int64)]

    // MARK: Immutability

    /// The tenant's immutable tag patterns (tags matching one cannot move or be deleted); empty
    /// for an unknown tenant.
    func immutableTagPatterns(of tenant: TenantID) throws -> [TagPattern]
    /// - Throws: `StoreError.notFound` for an unknown tenant.
    func setImmutableTagPatterns(_ patterns: [TagPattern], of tenant: TenantID) throws

    // MARK: Retention

    /// The tenant's retention rules; nil when it has none (or is unknown).
    func retentionPolicy(of tenant: TenantID) throws -> RetentionPolicy?
    /// - Throws: `StoreError.notFound` for an unknown tenant.
    func setRetentionPolicy(_ policy: RetentionPolicy?, of tenant: TenantID) throws

    // MARK: Gas settings

    /// - Throws: `StoreError.notFound` for an unknown tenant.
    func setGasBudget(_ budget: UInt64?, of tenant: TenantID) throws
    /// - Throws: `StoreError.notFound` for an unknown tenant.
    func setMaxGasPrice(_ price: UInt64?, of tenant: TenantID) throws

    // MARK: WASM

    func insertRuns(_ runs: [RunRecord]) throws
    func putApp(_ app: AppRecord) throws
    func app(_ name: String, of tenant: TenantID) throws -> AppRecord?
    /// - Returns: whether it was deployed.
    func deleteApp(_ name: String, of tenant: TenantID) throws -> Bool

    // MARK: Webhooks

    /// - Returns: the webhook with its assigned id. - Throws: `StoreError.notFound` for an unknown tenant.
    func insertWebhook(_ webhook: WebhookRecord) throws -> WebhookRecord
    func webhook(_ id: Int64, of tenant: TenantID) throws -> WebhookRecord?
    /// Stores a webhook's changeable fields (url, types, enabled, failures, disabledAt).
    func updateWebhook(_ webhook: WebhookRecord) throws
    /// Deletes a webhook with its delivery log. - Returns: whether it existed.
    func deleteWebhook(_ id: Int64, of tenant: TenantID) throws -> Bool
    /// Events not yet fanned out to webhooks, oldest first, at most `limit`.
    func undispatchedEvents(limit: Int) throws -> [OutboxEvent]
    /// Marks events as fanned out.
    func markDispatched(_ ids: [Int64]) throws
    /// The enabled webhooks of the tenants.
    func enabledWebhooks(of tenants: Set<TenantID>) throws -> [WebhookRecord]
    /// Queues deliveries (one per webhook and event: a repeat is ignored).
    func insertDeliveries(_ deliveries: [WebhookDeliveryRecord]) throws
    func delivery(_ id: Int64) throws -> WebhookDeliveryRecord?
    /// Stores a delivery's state, attempts and last outcome.
    func updateDelivery(_ delivery: WebhookDeliveryRecord) throws
    /// Marks a webhook's pending deliveries failed with `error`. - Returns: how many.
    func abandonPendingDeliveries(ofWebhook id: Int64, error: String) throws -> Int
}
