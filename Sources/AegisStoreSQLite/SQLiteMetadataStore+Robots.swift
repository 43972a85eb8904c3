import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func robot(_ name: String, in tenant: TenantID) async throws -> RobotRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM robots WHERE tenant = ? AND name = ?"), arguments: [tenant.value, name]
            ).flatMap(Self.robot(from:))
        }
    }

    public func robots(in tenant: TenantID) async throws -> [RobotRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM robots WHERE tenant = ? ORDER BY name", arguments: [tenant.value])
                .compactMap(Self.robot(from:))
        }
    }

    public func robot(certificateIdentity: String) async throws -> RobotRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT * FROM robots WHERE certificate_identity = ? ORDER BY revoked_at IS NULL DESC, revoked_at DESC LIMIT 1"),
                arguments: [certificateIdentity]
            ).flatMap(Self.robot(from:))
        }
    }

    public func isPublic(_ repository: RepositoryName) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT public FROM repositories WHERE name = ?"), arguments: [repository.value])
                ?? false
        }
    }

    public func appendAudit(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO audit(time, request_id, principal, tenant, action, resource, allowed, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for record in records {
                try statement.execute(arguments: [
                    record.time.timeIntervalSince1970, record.requestID, record.principal, record.tenant, record.action,
                    record.resource, record.allowed, record.reason,
                ])
            }
        }
    }

    public func pruneAudit(olderThan date: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM audit WHERE time < ?", arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func audit(tenant: String?, before: Int64?, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            var sql = "SELECT * FROM audit WHERE id < ?"
            var arguments: StatementArguments = [before ?? Int64.max]
            if let tenant {
                sql += " AND tenant = ?"
                arguments += [tenant]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditRecord(
                    id: row["id"], time: Date(timeIntervalSince1970: row["time"]), requestID: row["request_id"],
                    principal: row["principal"], tenant: row["tenant"], action: row["action"], resource: row["resource"],
                    allowed: row["allowed"], reason: row["reason"])
            }
        }
    }

    static func robot(from row: Row) -> RobotRecord? {
        guard let tenant = try? TenantID(row["tenant"] as String), let role = Role(rawValue: row["role"]) else { return nil }
        return RobotRecord(
            tenant: tenant, name: row["name"], role: role, keyHash: row["key_hash"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            certificateIdentity: row["certificate_identity"])
    }
}
