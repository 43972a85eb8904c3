import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
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
