import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func createUser(_ user: UserRecord) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user.name]) == true {
                throw StoreError(.conflict, "user '\(user.name)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO users(name, password_hash, system_admin, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.name, user.passwordHash, user.isSystemAdmin, user.createdAt.timeIntervalSince1970])
        }
    }

    public func user(named name: String) async throws -> UserRecord? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE name = ?"), arguments: [name]).map(Self.user(from:))
        }
    }

    public func users() async throws -> [UserRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user(from:)) }
    }

    public func userCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    public func deleteUser(named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func setPasswordHash(_ hash: String, forUser name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE name = ?", arguments: [hash, name])
            return db.changesCount > 0
        }
    }

    public func setRole(_ role: Role?, of user: String, in tenant: TenantID) async throws {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user]) == true else {
                throw StoreError(.notFound, "user '\(user)' does not exist")
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE name = ?", arguments: [tenant.value]) == true else {
                throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
            }
            if let role {
                try db.execute(
                    sql: """
                        INSERT INTO memberships(tenant, user, role) VALUES (?, ?, ?)
                        ON CONFLICT(tenant, user) DO UPDATE SET role = excluded.role
                        """,
                    arguments: [tenant.value, user, role.rawValue])
            } else {
                try db.execute(sql: "DELETE FROM memberships WHERE tenant = ? AND user = ?", arguments: [tenant.value, user])
            }
        }
    }

    public func roles(of user: String) async throws -> [TenantID: Role] {
        try await pool.read { db in
            var roles: [TenantID: Role] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT tenant, role FROM memberships WHERE user = ?"), arguments: [user]) {
                if let tenant = try? TenantID(row["tenant"] as String), let role = Role(rawValue: row["role"]) { roles[tenant] = role }
            }
            return roles
        }
    }

    public func members(of tenant: TenantID) async throws -> [(user: String, role: Role)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT user, role FROM memberships WHERE tenant = ? ORDER BY user", arguments: [tenant.value])
                .compactMap { row in Role(rawValue: row["role"]).map { (user: row["user"], role: $0) } }
        }
    }

    public func setGrant(_ role: Role?, of user: String, on pattern: String, in tenant: TenantID) async throws {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user]) == true else {
                throw StoreError(.notFound, "user '\(user)' does not exist")
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE name = ?", arguments: [tenant.value]) == true else {
                throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
            }
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
    }

    public func grants(of user: String) async throws -> [(pattern: String, role: Role)] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT pattern, role FROM grants WHERE user = ?"), arguments: [user])
                .compactMap { row in Role(rawValue: row["role"]).map { (pattern: row["pattern"], role: $0) } }
        }
    }

    public func grants(in tenant: TenantID) async throws -> [(user: String, pattern: String, role: Role)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT user, pattern, role FROM grants WHERE tenant = ? ORDER BY user, pattern", arguments: [tenant.value])
                .compactMap { row in Role(rawValue: row["role"]).map { (user: row["user"], pattern: row["pattern"], role: $0) } }
        }
    }

    static func user(from row: Row) -> UserRecord {
        UserRecord(
            name: row["name"], passwordHash: row["password_hash"], isSystemAdmin: row["system_admin"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
