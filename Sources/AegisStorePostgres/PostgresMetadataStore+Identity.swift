import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let userColumns = "name, password_hash, system_admin, created_at"
    static let robotColumns = "tenant, name, role, key_hash, created_at, expires_at, revoked_at, certificate_identity"

    public func user(named name: String) async throws -> UserRecord? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE name = \(name)").first.map(Self.user(from:))
    }

    public func users() async throws -> [UserRecord] {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users ORDER BY name").map(Self.user(from:))
    }

    public func userCount() async throws -> Int {
        Int(try await value("SELECT count(*) FROM users", as: Int64.self) ?? 0)
    }

    public func roles(of user: String) async throws -> [TenantID: Role] {
        var roles: [TenantID: Role] = [:]
        for row in try await rows("SELECT tenant, role FROM memberships WHERE \"user\" = \(user)") {
            let (tenant, role) = try row.decode((String, String).self)
            if let tenant = try? TenantID(tenant), let role = Role(rawValue: role) { roles[tenant] = role }
        }
        return roles
    }

    public func members(of tenant: TenantID) async throws -> [(user: String, role: Role)] {
        try await rows("SELECT \"user\", role FROM memberships WHERE tenant = \(tenant.value) ORDER BY \"user\"").compactMap { row in
            let (user, role) = try row.decode((String, String).self)
            return Role(rawValue: role).map { (user: user, role: $0) }
        }
    }

    public func grants(of user: String) async throws -> [(pattern: String, role: Role)] {
        try await rows("SELECT pattern, role FROM grants WHERE \"user\" = \(user)").compactMap { row in
            let (pattern, role) = try row.decode((String, String).self)
            return Role(rawValue: role).map { (pattern: pattern, role: $0) }
        }
    }

    public func grants(in tenant: TenantID) async throws -> [(user: String, pattern: String, role: Role)] {
        try await rows("SELECT \"user\", pattern, role FROM grants WHERE tenant = \(tenant.value) ORDER BY \"user\", pattern").compactMap {
            row in
            let (user, pattern, role) = try row.decode((String, String, String).self)
            return Role(rawValue: role).map { (user: user, pattern: pattern, role: $0) }
        }
    }

    public func robot(_ name: String, in tenant: TenantID) async throws -> RobotRecord? {
        try await rows("SELECT \(unescaped: Self.robotColumns) FROM robots WHERE tenant = \(tenant.value) AND name = \(name)").first
            .flatMap(Self.robot(from:))
    }

    public func robots(in tenant: TenantID) async throws -> [RobotRecord] {
        try await rows("SELECT \(unescaped: Self.robotColumns) FROM robots WHERE tenant = \(tenant.value) ORDER BY name")
            .compactMap(Self.robot(from:))
    }

    public func robot(certificateIdentity: String) async throws -> RobotRecord? {
        try await rows(
            """
            SELECT \(unescaped: Self.robotColumns) FROM robots WHERE certificate_identity = \(certificateIdentity)
            ORDER BY revoked_at IS NULL DESC, revoked_at DESC LIMIT 1
            """
        ).first.flatMap(Self.robot(from:))
    }

    public func isPublic(_ repository: RepositoryName) async throws -> Bool {
        try await value("SELECT public FROM repositories WHERE name = \(repository.value)", as: Bool.self) ?? false
    }

    static func user(from row: PostgresRow) throws -> UserRecord {
        let (name, hash, admin, createdAt) = try row.decode((String, String, Bool, Double).self)
        return UserRecord(name: name, passwordHash: hash, isSystemAdmin: admin, createdAt: Date(timeIntervalSince1970: createdAt))
    }

    static func robot(from row: PostgresRow) throws -> RobotRecord? {
        let (tenant, name, role, keyHash, createdAt, expiresAt, revokedAt, certificateIdentity) = try row.decode(
            (String, String, String, String, Double, Double?, Double?, String?).self)
        guard let tenant = try? TenantID(tenant), let role = Role(rawValue: role) else { return nil }
        return RobotRecord(
            tenant: tenant, name: name, role: role, keyHash: keyHash, createdAt: Date(timeIntervalSince1970: createdAt),
            expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)), revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:)),
            certificateIdentity: certificateIdentity)
    }
}

// MARK: - Audit

extension PostgresMetadataStore {
    public func appendAudit(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        // One statement for the batch: an array per column, unnested into rows (arrays hold no NULLs,
        // so a flag column says which tenants are absent).
        try await execute(
            """
            INSERT INTO audit(time, request_id, principal, tenant, action, resource, allowed, reason)
            SELECT time, request_id, principal, CASE WHEN no_tenant THEN NULL ELSE tenant END, action, resource, allowed, reason
            FROM unnest(\(records.map { $0.time.timeIntervalSince1970 })::float8[], \(records.map(\.requestID))::text[],
                                 \(records.map(\.principal))::text[], \(records.map { $0.tenant ?? "" })::text[],
                                 \(records.map(\.action))::text[], \(records.map(\.resource))::text[],
                                 \(records.map(\.allowed))::bool[], \(records.map(\.reason))::text[],
                                 \(records.map { $0.tenant == nil })::bool[])
                   AS r(time, request_id, principal, tenant, action, resource, allowed, reason, no_tenant)
            """)
    }

    public func pruneAudit(olderThan date: Date) async throws -> Int {
        Int(
            try await value(
                "WITH gone AS (DELETE FROM audit WHERE time < \(date.timeIntervalSince1970) RETURNING 1) SELECT count(*) FROM gone",
                as: Int64.self) ?? 0)
    }

    public func audit(tenant: String?, before: Int64?, limit: Int) async throws -> [AuditRecord] {
        try await rows(
            """
            SELECT id, time, request_id, principal, tenant, action, resource, allowed, reason FROM audit
            WHERE id < \(before ?? Int64.max) AND (\(tenant)::text IS NULL OR tenant = \(tenant))
            ORDER BY id DESC LIMIT \(limit)
            """
        ).map { row in
            let (id, time, requestID, principal, tenant, action, resource, allowed, reason) = try row.decode(
                (Int64, Double, String, String, String?, String, String, Bool, String).self)
            return AuditRecord(
                id: id, time: Date(timeIntervalSince1970: time), requestID: requestID, principal: principal, tenant: tenant,
                action: action, resource: resource, allowed: allowed, reason: reason)
        }
    }
}
