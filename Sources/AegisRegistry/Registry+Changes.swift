import AegisCore
import AegisStore
import Foundation

/// The registry's changes as units of work: each checks its rules with the transaction's reads and
/// appends its event, so a change and its event commit together or not at all.
extension MetadataTransaction {
    /// The repository, created (with its event) when missing.
    /// - Throws: `NAME_UNKNOWN` when its tenant does not exist.
    func writableRepository(_ name: RepositoryName) throws -> RepositoryRecord {
        if let existing = try repository(name) { return existing }
        guard try tenant(name.tenant) != nil else {
            throw RegistryError(.nameUnknown, "tenant '\(name.tenant)' does not exist", detail: ["tenant": name.tenant.value])
        }
        let record = try insertRepository(name)
        try append(OutboxEvent(tenant: name.tenant, type: .repositoryCreated, subject: name.value, time: now))
        return record
    }

    /// Links a blob into a repository, within its tenant's storage quota.
    /// - Returns: whether the link is new (an event is appended only then).
    /// - Throws: `DENIED` with reason `storage_quota_exceeded` when the tenant does not yet store
    ///   the blob and its bytes would pass the quota.
    @discardableResult
    func link(_ digest: Digest, size: Int64, into repository: RepositoryRecord) throws -> Bool {
        let tenant = repository.name.tenant
        if let quota = try storageQuota(of: tenant), try !tenantLinks(tenant, digest: digest) {
            let used = try storageUsed(by: tenant)
            guard size <= quota - min(used, quota) else {
                throw RegistryError(
                    .denied, "the tenant's storage quota is exhausted",
                    detail: ["reason": "storage_quota_exceeded", "quota": String(quota), "used": String(used), "size": String(size)])
            }
        }
        guard try linkBlob(repository: repository.id, digest: digest, size: size) else { return false }
        try append(
            OutboxEvent(
                tenant: tenant, type: .blobLinked, subject: "\(repository.name)@\(digest)", payload: ["size": .integer(size)], time: now))
        return true
    }
}
