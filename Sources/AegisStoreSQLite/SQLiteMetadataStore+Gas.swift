import AegisCore
import AegisStore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteMetadataStore {
    /// Appends a batch of charges in one transaction. The ledger takes a row per request, so this
    /// is the hottest write there is: values are bound straight to the prepared statement, without
    /// building `StatementArguments` (ten boxed values) for every row.
    public func appendCharges(_ charges: [GasCharge]) async throws {
        guard !charges.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO gas_ledger(time, tenant, principal, operation, repository, request_id, gas, price, schedule, out_of_gas)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            for charge in charges {
                sqlite3_reset(handle)
                sqlite3_bind_double(handle, 1, charge.time.timeIntervalSince1970)
                Self.bind(charge.tenant, 2, handle)
                Self.bind(charge.principal, 3, handle)
                Self.bind(charge.operation, 4, handle)
                if let repository = charge.repository { Self.bind(repository, 5, handle) } else { sqlite3_bind_null(handle, 5) }
                Self.bind(charge.requestID, 6, handle)
                sqlite3_bind_int64(handle, 7, Int64(clamping: charge.gas))
                sqlite3_bind_int64(handle, 8, Int64(clamping: charge.price))
                Self.bind(charge.schedule, 9, handle)
                sqlite3_bind_int(handle, 10, charge.outOfGas ? 1 : 0)
                let code = sqlite3_step(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
            }
        }
    }

    /// Binds text; SQLite copies it (`SQLITE_TRANSIENT`), so the Swift string may go.
    static func bind(_ text: String, _ index: Int32, _ handle: SQLiteStatement) {
        var text = text
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
                // An empty string may have no buffer, and a null pointer would bind NULL, not "".
                guard let start = chars.baseAddress else { return "".withCString { sqlite3_bind_text(handle, index, $0, 0, transient) } }
                return sqlite3_bind_text(handle, index, start, Int32(chars.count), transient)
            }
        }
    }

    public func gasUsedByTenant(from: Date, to: Date) async throws -> [TenantID: UInt64] {
        try await pool.read { db in
            var used: [TenantID: UInt64] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT tenant, sum(gas) FROM gas_ledger WHERE time >= ? AND time < ? GROUP BY tenant",
                arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970])
            while let row = try rows.next() {
                used[TenantID(unchecked: row[0])] = UInt64(clamping: row[1] as Int64)
            }
            return used
        }
    }

    public func gasUsed(by tenant: TenantID, since date: Date) async throws -> UInt64 {
        try await pool.read { db in
            UInt64(
                clamping: try Int64.fetchOne(
                    db, sql: "SELECT coalesce(sum(gas), 0) FROM gas_ledger WHERE tenant = ? AND time >= ?",
                    arguments: [tenant.value, date.timeIntervalSince1970]) ?? 0)
        }
    }

    public func charges(of tenant: TenantID, from: Date, to: Date) async throws -> [GasCharge] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM gas_ledger WHERE tenant = ? AND time >= ? AND time < ? ORDER BY id",
                arguments: [tenant.value, from.timeIntervalSince1970, to.timeIntervalSince1970]
            ).map { row in
                GasCharge(
                    time: Date(timeIntervalSince1970: row["time"]), tenant: row["tenant"], principal: row["principal"],
                    operation: row["operation"], repository: row["repository"], requestID: row["request_id"],
                    gas: UInt64(clamping: row["gas"] as Int64), price: UInt64(clamping: row["price"] as Int64), schedule: row["schedule"],
                    outOfGas: row["out_of_gas"])
            }
        }
    }

    public func gasBudget(of tenant: TenantID) async throws -> UInt64? {
        try await setting(.gasBudget, of: tenant)
    }

    public func maxGasPrice(of tenant: TenantID) async throws -> UInt64? {
        try await setting(.maxGasPrice, of: tenant)
    }

    /// A tenant's numeric gas settings (column names are fixed here, never from input).
    private enum TenantSetting: String {
        case gasBudget = "gas_budget"
        case maxGasPrice = "max_gas_price"
    }

    private func setting(_ setting: TenantSetting, of tenant: TenantID) async throws -> UInt64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT \(setting.rawValue) FROM tenants WHERE name = ?", arguments: [tenant.value]).map {
                UInt64(clamping: $0)
            }
        }
    }

    public func appendPrice(_ point: GasPricePoint) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO gas_prices(time, base_fee, gas_used) VALUES (?, ?, ?)",
                arguments: [point.time.timeIntervalSince1970, Int64(clamping: point.baseFee), Int64(clamping: point.gasUsed)])
        }
    }

    public func prices(limit: Int) async throws -> [GasPricePoint] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM gas_prices ORDER BY time DESC LIMIT ?", arguments: [limit]).map { row in
                GasPricePoint(
                    time: Date(timeIntervalSince1970: row["time"]), baseFee: UInt64(clamping: row["base_fee"] as Int64),
                    gasUsed: UInt64(clamping: row["gas_used"] as Int64))
            }
        }
    }

    public func prunePrices(olderThan date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM gas_prices WHERE time < ?", arguments: [date.timeIntervalSince1970])
        }
    }
}
