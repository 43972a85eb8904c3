import AegisCore
import Foundation

/// Users, robots, tenant memberships, public repositories and the audit log.
public protocol IdentityStore: Sendable {
    // MARK: Users

    func user(named name: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    func userCount() async throws -> Int

    // MARK: Memberships

    /// Role names by tenant for one user.
    func roles(of user: String) async throws -> [TenantID: Role]
    /// Members of a tenant with their role names.
    func members(of tenant: TenantID) async throws -> [(user: String, role: Role)]

    // MARK: Repository grants

    /// Patterns and role names granted to a user.
    func grants(of user: String) async throws -> [(pattern: String, role: Role)]
    /// Grants inside a tenant.
    func grants(in tenant: TenantID) async throws -> [(user: String, pattern: String, role: Role)]

    // MARK: Robots

    func robot(_ name: String, in tenant: TenantID) async throws -> RobotRecord?
    func robots(in tenant: TenantID) async throws -> [RobotRecord]
    /// The robot a client-certificate identity maps to: the active one when there is one, else the
    /// most recently revoked (so a refusal can say why); nil when none ever held it.
    func robot(certificateIdentity: String) async throws -> RobotRecord?

    // MARK: Public repositories

    func isPublic(_ repository: RepositoryName) async throws -> Bool

    // MARK: Audit

    func appendAudit(_ records: [AuditRecord]) async throws
    /// Deletes records older than `date`. - Returns: how many were deleted.
    func pruneAudit(olderThan date: Date) async throws -> Int
    /// Records newest first, optionally for one tenant, with ids below `before`.
    func audit(tenant: String?, before: Int64?, limit: Int) async throws -> [AuditRecord]
}
