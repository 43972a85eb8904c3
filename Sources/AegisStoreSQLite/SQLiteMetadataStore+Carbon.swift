import AegisCore
import AegisStore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteMetadataStore {
    /// Appends a batch of rows in one transaction (a row per request, like the gas ledger, and
    /// bound the same way: straight to the prepared statement, without `StatementArguments` of
    /// nineteen boxed values per row).
    public func appendCarbonCharges(_ charges: [CarbonCharge]) async throws {
        guard !charges.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO carbon_ledger(time, tenant, principal, operation, repository, request_id, cpu_us, cpu_measured,
                        compute_uj, memory_uj, storage_uj, network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source,
                        operational_ng, embodied_ng)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                for (index, value) in [
                    charge.cpuMicros, charge.cpuMeasured ? 1 : 0, charge.computeMicrojoules, charge.memoryMicrojoules, charge.storageMicrojoules,
                    charge.networkMicrojoules, charge.bytesIn, charge.bytesOut,
                ].enumerated() {
                    sqlite3_bind_int64(handle, Int32(7 + index), value)
                }
                sqlite3_bind_double(handle, 15, charge.intensity)
                Self.bind(charge.intensitySource, 16, handle)
                Self.bind(charge.energySource, 17, handle)
                sqlite3_bind_int64(handle, 18, charge.operationalNanograms)
                sqlite3_bind_int64(handle, 19, charge.embodiedNanograms)
                let code = sqlite3_step(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
            }
        }
    }

    public func carbonCharges(of tenant: TenantID, from: Date, to: Date, after: Int64, limit: Int) async throws -> [(
        id: Int64, charge: CarbonCharge
    )] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, time, tenant, principal, operation, repository, request_id, cpu_us, cpu_measured, compute_uj, memory_uj,
                        storage_uj, network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source, operational_ng, embodied_ng
                    FROM carbon_ledger WHERE tenant = ? AND time >= ? AND time < ? AND id > ? ORDER BY id LIMIT ?
                    """,
                arguments: [tenant.value, from.timeIntervalSince1970, to.timeIntervalSince1970, after, limit]
            ).map { row in
                (
                    row[0],
                    CarbonCharge(
                        time: Date(timeIntervalSince1970: row[1]), tenant: row[2], principal: row[3], operation: row[4], repository: row[5],
                        requestID: row[6], cpuMicros: row[7], cpuMeasured: row[8], computeMicrojoules: row[9], memoryMicrojoules: row[10],
                        storageMicrojoules: row[11], networkMicrojoules: row[12], bytesIn: row[13], bytesOut: row[14], intensity: row[15],
                        intensitySource: row[16], energySource: row[17], operationalNanograms: row[18], embodiedNanograms: row[19])
                )
            }
        }
    }

    public func carbonLines(of tenant: TenantID, from: Date, to: Date) async throws -> [CarbonLine] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT repository, operation, count(*), sum(cpu_us), sum(compute_uj), sum(memory_uj), sum(storage_uj), sum(network_uj),
                        sum(bytes_in), sum(bytes_out), sum(operational_ng), sum(embodied_ng)
                    FROM carbon_ledger WHERE tenant = ? AND time >= ? AND time < ?
                    GROUP BY repository, operation ORDER BY coalesce(repository, ''), operation
                    """,
                arguments: [tenant.value, from.timeIntervalSince1970, to.timeIntervalSince1970]
            ).map { row in
                CarbonLine(
                    repository: row[0], operation: row[1], count: row[2], cpuMicros: row[3], computeMicrojoules: row[4], memoryMicrojoules: row[5],
                    storageMicrojoules: row[6], networkMicrojoules: row[7], bytesIn: row[8], bytesOut: row[9], operationalNanograms: row[10],
                    embodiedNanograms: row[11])
            }
        }
    }

    public func carbonLinesByTenant(from: Date, to: Date) async throws -> [(tenant: String, line: CarbonLine)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT tenant, operation, count(*), sum(cpu_us), sum(compute_uj), sum(memory_uj), sum(storage_uj), sum(network_uj),
                        sum(bytes_in), sum(bytes_out), sum(operational_ng), sum(embodied_ng)
                    FROM carbon_ledger WHERE time >= ? AND time < ?
                    GROUP BY tenant, operation ORDER BY tenant, operation
                    """,
                arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970]
            ).map { row in
                (
                    row[0],
                    CarbonLine(
                        repository: nil, operation: row[1], count: row[2], cpuMicros: row[3], computeMicrojoules: row[4],
                        memoryMicrojoules: row[5], storageMicrojoules: row[6], networkMicrojoules: row[7], bytesIn: row[8], bytesOut: row[9],
                        operationalNanograms: row[10], embodiedNanograms: row[11])
                )
            }
        }
    }
}
