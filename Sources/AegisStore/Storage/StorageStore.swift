import AegisCore
import Foundation

/// What each tenant stores, its quota and what it could stop storing.
///
/// Storage per tenant is the bytes of the distinct blobs its repositories link (a blob in two of
/// its repositories counts once; a blob shared with another tenant counts for each). Drivers keep
/// the count in the transactions that link and unlink, and `recountStorage` recomputes it from the
/// links to prove it.
public protocol StorageStore: Sendable {
    /// Bytes the tenant stores, as counted.
    func storageUsed(by tenant: TenantID) async throws -> Int64
    /// Every tenant with stored bytes, by name.
    func storageByTenant() async throws -> [(tenant: TenantID, bytes: Int64)]
    /// Every tenant's counted and recounted bytes, in one read snapshot.
    func recountStorage() async throws -> [(tenant: String, counted: Int64, recounted: Int64)]
    /// Folds counts kept as deltas into one number per tenant (PostgreSQL: see its driver); the
    /// counts read are the same before and after. Cluster-wide maintenance, run by the leader.
    func compactStorageCounts() async throws
    /// The tenant's storage quota in bytes; nil is unlimited.
    func storageQuota(of tenant: TenantID) async throws -> Int64?
    /// The tenant's untagged manifests and reclaimable bytes (see `StorageEfficiency`); lists at most
    /// `limit` of the untagged manifests, oldest first.
    func efficiency(of tenant: TenantID, limit: Int) async throws -> StorageEfficiency
}
