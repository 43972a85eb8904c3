import AegisCore
import AegisStore
import Foundation
import GRDB

/// One process owns the file: the registry keeps budgets in memory and is always the leader, but
/// the operations exist so that both drivers pass the same suite.
extension SQLiteMetadataStore {
    public var isShared: Bool { false }

    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT kid, created_at, private_key FROM signing_keys ORDER BY created_at DESC, kid").map { row in
                SigningKeyRecord(kid: row[0], createdAt: Date(timeIntervalSince1970: row[1]), privateKeyPEM: row[2])
            }
        }
    }

    public func insertSigningKey(_ key: SigningKeyRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO signing_keys(kid, created_at, private_key) VALUES (?, ?, ?) ON CONFLICT(kid) DO NOTHING",
                arguments: [key.kid, key.createdAt.timeIntervalSince1970, key.privateKeyPEM])
        }
    }

    public func deleteSigningKeys(createdBefore date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM signing_keys WHERE created_at < ?", arguments: [date.timeIntervalSince1970])
        }
    }

    public func openGasBalance(of tenant: TenantID, period: Date, used: UInt64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO gas_balances(tenant, period, used, reserved) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING",
                arguments: [tenant.value, period.timeIntervalSince1970, Int64(clamping: used)])
        }
    }

    public func reserveGas(_ gas: UInt64, of tenant: TenantID, period: Date, budget: UInt64) async throws -> GasBalance? {
        try await pool.write { db in
            // Real arithmetic in the condition, so a sum near Int64.max cannot wrap.
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE gas_balances SET reserved = reserved + ?
                    WHERE tenant = ? AND period = ? AND CAST(used AS REAL) + reserved + ? <= ?
                    RETURNING used, reserved
                    """,
                arguments: [
                    Int64(clamping: gas), tenant.value, period.timeIntervalSince1970, Int64(clamping: gas), Int64(clamping: budget),
                ]
            ).map(Self.balance(from:))
        }
    }

    public func settleGas(_ settlements: [GasSettlement]) async throws {
        guard !settlements.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE gas_balances SET reserved = max(reserved - ?, 0), used = used + ? WHERE tenant = ? AND period = ?")
            for settlement in settlements {
                try statement.execute(arguments: [
                    Int64(clamping: settlement.released), Int64(clamping: settlement.used), settlement.tenant.value,
                    settlement.period.timeIntervalSince1970,
                ])
            }
        }
    }

    public func gasBalance(of tenant: TenantID, period: Date) async throws -> GasBalance? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT used, reserved FROM gas_balances WHERE tenant = ? AND period = ?",
                arguments: [tenant.value, period.timeIntervalSince1970]
            ).map(Self.balance(from:))
        }
    }

    public func gasBalances(period: Date) async throws -> [TenantID: GasBalance] {
        try await pool.read { db in
            var balances: [TenantID: GasBalance] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT tenant, used, reserved FROM gas_balances WHERE period = ?", arguments: [period.timeIntervalSince1970])
            {
                balances[TenantID(unchecked: row[0])] = GasBalance(
                    used: UInt64(clamping: row[1] as Int64), reserved: UInt64(clamping: row[2] as Int64))
            }
            return balances
        }
    }

    public func adjustGasBalance(of tenant: TenantID, period: Date, by delta: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE gas_balances SET used = max(used + ?, 0) WHERE tenant = ? AND period = ?",
                arguments: [delta, tenant.value, period.timeIntervalSince1970])
        }
    }

    private static func balance(from row: Row) -> GasBalance {
        GasBalance(used: UInt64(clamping: row[0] as Int64), reserved: UInt64(clamping: row[1] as Int64))
    }

    public func leadership(_ name: String) -> any LeaderLease { SoleLeader() }
}
