import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    public func appendCarbonCharges(_ charges: [CarbonCharge]) async throws {
        guard !charges.isEmpty else { return }
        try await execute(
            """
            INSERT INTO carbon_ledger(time, tenant, principal, operation, repository, request_id, cpu_us, cpu_measured, compute_uj, memory_uj,
                storage_uj, network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source, operational_ng, embodied_ng)
            SELECT time, tenant, principal, operation, CASE WHEN no_repository THEN NULL ELSE repository END, request_id, cpu_us, cpu_measured,
                compute_uj, memory_uj, storage_uj, network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source, operational_ng,
                embodied_ng
            FROM unnest(\(charges.map { $0.time.timeIntervalSince1970 })::float8[], \(charges.map(\.tenant))::text[],
                        \(charges.map(\.principal))::text[], \(charges.map(\.operation))::text[],
                        \(charges.map { $0.repository ?? "" })::text[], \(charges.map { $0.repository == nil })::bool[],
                        \(charges.map(\.requestID))::text[], \(charges.map(\.cpuMicros))::int8[], \(charges.map(\.cpuMeasured))::bool[],
                        \(charges.map(\.computeMicrojoules))::int8[], \(charges.map(\.memoryMicrojoules))::int8[],
                        \(charges.map(\.storageMicrojoules))::int8[], \(charges.map(\.networkMicrojoules))::int8[],
                        \(charges.map(\.bytesIn))::int8[], \(charges.map(\.bytesOut))::int8[], \(charges.map(\.intensity))::float8[],
                        \(charges.map(\.intensitySource))::text[], \(charges.map(\.energySource))::text[],
                        \(charges.map(\.operationalNanograms))::int8[], \(charges.map(\.embodiedNanograms))::int8[])
                 AS c(time, tenant, principal, operation, repository, no_repository, request_id, cpu_us, cpu_measured, compute_uj, memory_uj,
                      storage_uj, network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source, operational_ng, embodied_ng)
            """)
    }

    public func carbonCharges(of tenant: TenantID, from: Date, to: Date, after: Int64, limit: Int) async throws -> [(
        id: Int64, charge: CarbonCharge
    )] {
        try await rows(
            """
            SELECT id, time, tenant, principal, operation, repository, request_id, cpu_us, cpu_measured, compute_uj, memory_uj, storage_uj,
                network_uj, bytes_in, bytes_out, intensity, intensity_source, energy_source, operational_ng, embodied_ng
            FROM carbon_ledger
            WHERE tenant = \(tenant.value) AND time >= \(from.timeIntervalSince1970) AND time < \(to.timeIntervalSince1970) AND id > \(after)
            ORDER BY id LIMIT \(limit)
            """
        ).map { row in
            let c = try row.decode(
                (
                    Int64, Double, String, String, String, String?, String, Int64, Bool, Int64, Int64, Int64, Int64, Int64, Int64, Double, String,
                    String, Int64, Int64
                ).self)
            return (
                c.0,
                CarbonCharge(
                    time: Date(timeIntervalSince1970: c.1), tenant: c.2, principal: c.3, operation: c.4, repository: c.5, requestID: c.6,
                    cpuMicros: c.7, cpuMeasured: c.8, computeMicrojoules: c.9, memoryMicrojoules: c.10, storageMicrojoules: c.11,
                    networkMicrojoules: c.12, bytesIn: c.13, bytesOut: c.14, intensity: c.15, intensitySource: c.16, energySource: c.17,
                    operationalNanograms: c.18, embodiedNanograms: c.19)
            )
        }
    }

    public func carbonLines(of tenant: TenantID, from: Date, to: Date) async throws -> [CarbonLine] {
        try await rows(
            """
            SELECT repository, operation, count(*)::bigint, sum(cpu_us)::bigint, sum(compute_uj)::bigint, sum(memory_uj)::bigint,
                sum(storage_uj)::bigint, sum(network_uj)::bigint, sum(bytes_in)::bigint, sum(bytes_out)::bigint, sum(operational_ng)::bigint,
                sum(embodied_ng)::bigint
            FROM carbon_ledger WHERE tenant = \(tenant.value) AND time >= \(from.timeIntervalSince1970) AND time < \(to.timeIntervalSince1970)
            GROUP BY repository, operation ORDER BY coalesce(repository, ''), operation
            """
        ).map { row in
            let c = try row.decode((String?, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            return CarbonLine(
                repository: c.0, operation: c.1, count: Int(c.2), cpuMicros: c.3, computeMicrojoules: c.4, memoryMicrojoules: c.5,
                storageMicrojoules: c.6, networkMicrojoules: c.7, bytesIn: c.8, bytesOut: c.9, operationalNanograms: c.10,
                embodiedNanograms: c.11)
        }
    }

    public func carbonLinesByTenant(from: Date, to: Date) async throws -> [(tenant: String, line: CarbonLine)] {
        try await rows(
            """
            SELECT tenant, operation, count(*)::bigint, sum(cpu_us)::bigint, sum(compute_uj)::bigint, sum(memory_uj)::bigint,
                sum(storage_uj)::bigint, sum(network_uj)::bigint, sum(bytes_in)::bigint, sum(bytes_out)::bigint, sum(operational_ng)::bigint,
                sum(embodied_ng)::bigint
            FROM carbon_ledger WHERE time >= \(from.timeIntervalSince1970) AND time < \(to.timeIntervalSince1970)
            GROUP BY tenant, operation ORDER BY tenant, operation
            """
        ).map { row in
            let c = try row.decode((String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            return (
                c.0,
                CarbonLine(
                    repository: nil, operation: c.1, count: Int(c.2), cpuMicros: c.3, computeMicrojoules: c.4, memoryMicrojoules: c.5,
                    storageMicrojoules: c.6, networkMicrojoules: c.7, bytesIn: c.8, bytesOut: c.9, operationalNanograms: c.10,
                    embodiedNanograms: c.11)
            )
        }
    }
}
