import AegisCore
import Foundation

/// Users, robots, tenant memberships, public repositories and the audit log.
public protocol IdentityStore: Sendable {
    // MARK: Users

    /// Creates a user. - Throws: `StoreError.conflict` when the name is taken.
    func createUser(_ user: UserRecord) async throws
    func user(named name: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    func userCount() async throws -> Int
    /// - Returns: whether the user existed.
    func deleteUser(named name: String) async throws -> Bool
    func setPasswordHash(_ hash: String, forUser name: String) async throws -> Bool

    // MARK: Memberships

    /// Gives `user` the role in `tenant`, replacing any role it had; nil removes the membership.
    /// - Throws: `StoreError.notFound` when the user or tenant does not exist.
    func setRole(_ role: Role?, of user: String, in tenant: TenantID) async throws
    /// Role names by tenant for one user.
    func roles(of user: String) async throws -> [TenantID: Role]
    /// Members of a tenant with their role names.
    func members(of tenant: TenantID) async throws -> [(user: String, role: Role)]

    // MARK: Repository grants

    /// Gives `user` the role on a repository or repository path (`acme/app`, `acme/team/*`) in
    /// `tenant`; nil removes it. - Throws: `StoreError.notFound` without the user or tenant.
    func setGrant(_ role: Role?, of user: String, on pattern: String, in tenant: TenantID) async throws
    /// Patterns and role names granted to a user.
    func grants(of user: String) async throws -> [(pattern: String, role: Role)]
    /// Grants inside a tenant.
    func grants(in tenant: TenantID) async throws -> [(user: String, pattern: String, role: Role)]

    // MARK: Robots

    /// - Throws: `StoreError.conflict` when the tenant already has a robot of that name; `.notFound` without the tenant.
    func createRobot(_ robot: RobotRecord) async throws
    func robot(_ name: String, in tenant: TenantID) async throws -> RobotRecord?
    func robots(in tenant: TenantID) async throws -> [RobotRecord]
    /// - Returns: whether an unrevoked robot was revoked.
    func revokeRobot(_ name: String, in tenant: TenantID, at date: Date) async throws -> Bool

    // MARK: Public repositories

    /// Marks a repository public (anonymous pulls) or private, creating it inside its tenant when needed.
    func setPublic(_ isPublic: Bool, repository: RepositoryName) async throws
    func isPublic(_ repository: RepositoryName) async throws -> Bool

    // MARK: Audit

    func appendAudit(_ records: [AuditRecord]) async throws
    /// Deletes records older than `date`. - Returns: how many were deleted.
    func pruneAudit(olderThan date: Date) async throws -> Int
    /// Records newest first, optionally for one tenant, with ids below `before`.
    func audit(tenant: String?, before: Int64?, limit: Int) async throws -> [AuditRecord]
}
