import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteTransaction {
    func user(named name: String) throws -> UserRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE name = ?"), arguments: [name]).map(SQLiteMetadataStore.user(from:))
    }

    func insertUser(_ user: UserRecord) throws {
        if try exists("SELECT 1 FROM users WHERE name = ?", [user.name]) { throw StoreError(.conflict, "user '\(user.name)' already exists") }
        try db.execute(
            sql: "INSERT INTO users(name, password_hash, system_admin, created_at) VALUES (?, ?, ?, ?)",
            arguments: [user.name, user.passwordHash, user.isSystemAdmin, user.createdAt.timeIntervalSince1970])
    }

    func deleteUser(named name: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }

    func setPasswordHash(_ hash: String, forUser name: String) throws -> Bool {
        try db.execute(sql: "UPDATE users SET password_hash = ? WHERE name = ?", arguments: [hash, name])
        return db.changesCount > 0
    }

    func role(of user: String, in tenant: TenantID) throws -> Role? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT role FROM memberships WHERE tenant = ? AND user = ?"), arguments: [tenant.value, user]
        ).flatMap(Role.init(rawValue:))
    }

    func setRole(_ role: Role?, of user: String, in tenant: TenantID) throws {
        try requireUser(user)
        try requireTenant(tenant)
        if let role {
            try db.execute(
                sql: "INSERT INTO memberships(tenant, user, role) VALUES (?, ?, ?) ON CONFLICT(tenant, user) DO UPDATE SET role = excluded.role",
                arguments: [tenant.value, user, role.rawValue])
        } else {
            try db.execute(sql: "DELETE FROM memberships WHERE tenant = ? AND user = ?", arguments: [tenant.value, user])
        }
    }

    func setGrant(_ role: Role?, of user: String, on pattern: String, in tenant: TenantID) throws {
        try requireUser(user)
        try requireTenant(tenant)
        if let role {
            try db.execute(
                sql: """
                    INSERT INTO grants(tenant, user, pattern, role) VALUES (?, ?, ?, ?)
                    ON CONFLICT(user, pattern) DO UPDATE SET role = excluded.role
                    """,
                arguments: [tenant.value, user, pattern, role.rawValue])
        } else {
            try db.execute(sql: "DELETE FROM grants WHERE user = ? AND pattern = ?", arguments: [user, pattern])
            guard db.changesCount > 0 else { throw StoreError(.notFound, "'\(user)' has no grant on '\(pattern)'") }
        }
    }

    func robot(_ name: String, in tenant: TenantID) throws -> RobotRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM robots WHERE tenant = ? AND name = ?"), arguments: [tenant.value, name])
            .flatMap(SQLiteMetadataStore.robot(from:))
    }

    func insertRobot(_ robot: RobotRecord) throws {
        try requireTenant(robot.tenant)
        if try exists("SELECT 1 FROM robots WHERE tenant = ? AND name = ?", [robot.tenant.value, robot.name]) {
            throw StoreError(.conflict, "robot '\(robot.name)' already exists in tenant '\(robot.tenant)'")
        }
        if let identity = robot.certificateIdentity,
            try exists("SELECT 1 FROM robots WHERE certificate_identity = ? AND revoked_at IS NULL", [identity])
        {
            throw StoreError(.conflict, "an active robot already authenticates with certificate identity '\(identity)'")
        }
        try db.execute(
            sql: """
                INSERT INTO robots(tenant, name, role, key_hash, created_at, expires_at, revoked_at, certificate_identity)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                robot.tenant.value, robot.name, robot.role.rawValue, robot.keyHash, robot.createdAt.timeIntervalSince1970,
                robot.expiresAt?.timeIntervalSince1970, robot.revokedAt?.timeIntervalSince1970, robot.certificateIdentity,
            ])
    }

    func revokeRobot(_ name: String, in tenant: TenantID) throws -> Bool {
        try db.execute(
            sql: "UPDATE robots SET revoked_at = ? WHERE tenant = ? AND name = ? AND revoked_at IS NULL",
            arguments: [timestamp, tenant.value, name])
        return db.changesCount > 0
    }
}
