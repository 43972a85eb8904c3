import AegisCore
import AegisStore
import Foundation
import Logging
import PostgresNIO

extension PostgresMetadataStore {
    public var isShared: Bool { true }

    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await rows("SELECT kid, created_at, private_key FROM signing_keys ORDER BY created_at DESC, kid").map { row in
            let (kid, created, pem) = try row.decode((String, Double, String).self)
            return SigningKeyRecord(kid: kid, createdAt: Date(timeIntervalSince1970: created), privateKeyPEM: pem)
        }
    }

    public func insertSigningKey(_ key: SigningKeyRecord) async throws {
        try await execute(
            """
            INSERT INTO signing_keys(kid, created_at, private_key) VALUES (\(key.kid), \(key.createdAt.timeIntervalSince1970), \(key.privateKeyPEM))
            ON CONFLICT(kid) DO NOTHING
            """)
    }

    public func deleteSigningKeys(createdBefore date: Date) async throws {
        try await execute("DELETE FROM signing_keys WHERE created_at < \(date.timeIntervalSince1970)")
    }

    public func openGasBalance(of tenant: TenantID, period: Date, used: UInt64) async throws {
        try await execute(
            """
            INSERT INTO gas_balances(tenant, period, used, reserved)
            VALUES (\(tenant.value), \(period.timeIntervalSince1970), \(Int64(clamping: used)), 0) ON CONFLICT DO NOTHING
            """)
    }

    /// One statement: the row lock taken by the UPDATE orders concurrent reservations from every
    /// node, and the condition is evaluated on the locked row, so none can pass the budget.
    public func reserveGas(_ gas: UInt64, of tenant: TenantID, period: Date, budget: UInt64) async throws -> GasBalance? {
        let gas = Int64(clamping: gas)
        return try await rows(
            """
            UPDATE gas_balances SET reserved = reserved + \(gas)
            WHERE tenant = \(tenant.value) AND period = \(period.timeIntervalSince1970)
              AND used::numeric + reserved + \(gas) <= \(Int64(clamping: budget))
            RETURNING used, reserved
            """
        ).first.map(Self.balance(from:))
    }

    public func settleGas(_ settlements: [GasSettlement]) async throws {
        guard !settlements.isEmpty else { return }
        try await execute(
            """
            UPDATE gas_balances b SET reserved = greatest(b.reserved - s.released, 0), used = b.used + s.used
            FROM (SELECT tenant, period, sum(released) AS released, sum(used) AS used
                  FROM unnest(\(settlements.map(\.tenant.value))::text[], \(settlements.map { $0.period.timeIntervalSince1970 })::float8[],
                              \(settlements.map { Int64(clamping: $0.released) })::int8[], \(settlements.map { Int64(clamping: $0.used) })::int8[])
                       AS u(tenant, period, released, used)
                  GROUP BY tenant, period) s
            WHERE b.tenant = s.tenant AND b.period = s.period
            """)
    }

    public func gasBalance(of tenant: TenantID, period: Date) async throws -> GasBalance? {
        try await rows(
            "SELECT used, reserved FROM gas_balances WHERE tenant = \(tenant.value) AND period = \(period.timeIntervalSince1970)"
        ).first.map(Self.balance(from:))
    }

    public func gasBalances(period: Date) async throws -> [TenantID: GasBalance] {
        var balances: [TenantID: GasBalance] = [:]
        for row in try await rows("SELECT tenant, used, reserved FROM gas_balances WHERE period = \(period.timeIntervalSince1970)") {
            let (tenant, used, reserved) = try row.decode((String, Int64, Int64).self)
            balances[TenantID(unchecked: tenant)] = GasBalance(used: UInt64(clamping: used), reserved: UInt64(clamping: reserved))
        }
        return balances
    }

    public func adjustGasBalance(of tenant: TenantID, period: Date, by delta: Int64) async throws {
        try await execute(
            """
            UPDATE gas_balances SET used = greatest(used::numeric + \(delta), 0)::bigint
            WHERE tenant = \(tenant.value) AND period = \(period.timeIntervalSince1970)
            """)
    }

    private static func balance(from row: PostgresRow) throws -> GasBalance {
        let (used, reserved) = try row.decode((Int64, Int64).self)
        return GasBalance(used: UInt64(clamping: used), reserved: UInt64(clamping: reserved))
    }

    public func leadership(_ name: String) -> any LeaderLease {
        PostgresLeaderLease(
            configuration: direct, key: "aegisguard:\(location.schema ?? "public"):\(name)", logger: logger)
    }
}

/// A session-level advisory lock on a connection of its own: held while the connection lives, so
/// PostgreSQL itself frees it when the leader's process dies or its connection drops, and the next
/// node to ask takes it over. Followers do not keep a connection.
actor PostgresLeaderLease: LeaderLease {
    let configuration: PostgresConnection.Configuration
    /// Locks are per database; the key names the schema too, so registries sharing a database do not collide.
    let key: String
    let logger: Logger
    private var connection: PostgresConnection?
    private var released = false

    init(configuration: PostgresConnection.Configuration, key: String, logger: Logger) {
        self.configuration = configuration
        self.key = key
        self.logger = logger
    }

    func acquire() async -> Bool {
        guard !released else { return false }
        if let connection {
            // Still ours if the connection still answers.
            if (try? await connection.query("SELECT 1", logger: logger).collect()) != nil { return true }
            try? await connection.close()
            self.connection = nil
            logger.warning("lost the leadership with its connection", metadata: ["lease": "\(key)"])
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            logger.warning("could not ask for the leadership", metadata: ["lease": "\(key)", "error": "\(String(reflecting: error))"])
            return false
        }
        // A connection is closed on every path that does not keep it: PostgresNIO traps when one
        // is dropped open.
        do {
            let rows = try await connection.query("SELECT pg_try_advisory_lock(hashtextextended(\(key), 0))", logger: logger).collect()
            if try rows.first?.decode(Bool.self) == true, !released {
                self.connection = connection
                logger.info("took the leadership", metadata: ["lease": "\(key)"])
                return true
            }
        } catch {
            logger.warning("could not ask for the leadership", metadata: ["lease": "\(key)", "error": "\(String(reflecting: error))"])
        }
        try? await connection.close()
        return false
    }

    func release() async {
        released = true
        try? await connection?.close()
        connection = nil
    }
}
