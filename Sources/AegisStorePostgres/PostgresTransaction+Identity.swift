import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresTransaction {
    func user(named name: String) throws -> UserRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.userColumns) FROM users WHERE name = \(name)").first
            .map(PostgresMetadataStore.user(from:))
    }

    func insertUser(_ user: UserRecord) throws {
        if try exists("SELECT 1 FROM users WHERE name = \(user.name)") { throw StoreError(.conflict, "user '\(user.name)' already exists") }
        try execute(
            """
            INSERT INTO users(name, password_hash, system_admin, created_at)
            VALUES (\(user.name), \(user.passwordHash), \(user.isSystemAdmin), \(user.createdAt.timeIntervalSince1970))
            """)
    }

    func deleteUser(named name: String) throws -> Bool {
        try execute("DELETE FROM users WHERE name = \(name)") > 0
    }

    func setPasswordHash(_ hash: String, forUser name: String) throws -> Bool {
        try execute("UPDATE users SET password_hash = \(hash) WHERE name = \(name)") > 0
    }

    func role(of user: String, in tenant: TenantID) throws -> Role? {
        try value("SELECT role FROM memberships WHERE tenant = \(tenant.value) AND \"user\" = \(user)", as: String.self)
            .flatMap(Role.init(rawValue:))
    }

    func setRole(_ role: Role?, of user: String, in tenant: TenantID) throws {
        try requireUser(user)
        try requireTenant(tenant)
        if let role {
            try execute(
                """
                INSERT INTO memberships(tenant, "user", role) VALUES (\(tenant.value), \(user), \(role.rawValue))
                ON CONFLICT(tenant, "user") DO UPDATE SET role = excluded.role
                """)
        } else {
            try execute("DELETE FROM memberships WHERE tenant = \(tenant.value) AND \"user\" = \(user)")
        }
    }

    func setGrant(_ role: Role?, of user: String, on pattern: String, in tenant: TenantID) throws {
        try requireUser(user)
        try requireTenant(tenant)
        if let role {
            try execute(
                """
                INSERT INTO grants(tenant, "user", pattern, role) VALUES (\(tenant.value), \(user), \(pattern), \(role.rawValue))
                ON CONFLICT("user", pattern) DO UPDATE SET role = excluded.role
                """)
        } else {
            guard try execute("DELETE FROM grants WHERE \"user\" = \(user) AND pattern = \(pattern)") > 0 else {
                throw StoreError(.notFound, "'\(user)' has no grant on '\(pattern)'")
            }
        }
    }

    func robot(_ name: String, in tenant: TenantID) throws -> RobotRecord? {
        try rows("SELECT \(unescaped: PostgresMetadataStore.robotColumns) FROM robots WHERE tenant = \(tenant.value) AND name = \(name)")
            .first.flatMap(PostgresMetadataStore.robot(from:))
    }

    func insertRobot(_ robot: RobotRecord) throws {
        try requireTenant(robot.tenant)
        if try exists("SELECT 1 FROM robots WHERE tenant = \(robot.tenant.value) AND name = \(robot.name)") {
            throw StoreError(.conflict, "robot '\(robot.name)' already exists in tenant '\(robot.tenant)'")
        }
        if let identity = robot.certificateIdentity,
            try exists("SELECT 1 FROM robots WHERE certificate_identity = \(identity) AND revoked_at IS NULL")
        {
            throw StoreError(.conflict, "an active robot already authenticates with certificate identity '\(identity)'")
        }
        try execute(
            """
            INSERT INTO robots(tenant, name, role, key_hash, created_at, expires_at, revoked_at, certificate_identity)
            VALUES (\(robot.tenant.value), \(robot.name), \(robot.role.rawValue), \(robot.keyHash), \(robot.createdAt.timeIntervalSince1970),
                    \(robot.expiresAt?.timeIntervalSince1970), \(robot.revokedAt?.timeIntervalSince1970), \(robot.certificateIdentity))
            """)
    }

    func revokeRobot(_ name: String, in tenant: TenantID) throws -> Bool {
        try execute(
            "UPDATE robots SET revoked_at = \(timestamp) WHERE tenant = \(tenant.value) AND name = \(name) AND revoked_at IS NULL") > 0
    }
}
