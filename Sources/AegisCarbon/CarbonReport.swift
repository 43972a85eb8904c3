import AegisCore
import AegisStore
import Foundation

/// A tenant's energy and emissions for one period: lines by repository and operation, totals, and
/// SCI per functional unit with its terms apart (`SCI = (E × I + M) / R`), so that it can be
/// recomputed when an intensity is corrected.
public struct CarbonReport: Sendable, Hashable, Codable {
    public struct Figures: Sendable, Hashable, Codable {
        public var count: Int
        public var cpuSeconds: Double
        /// Watt-hours, PUE included: all of it and its parts.
        public var energyWh: Double
        public var computeWh: Double
        public var memoryWh: Double
        public var storageWh: Double
        public var networkWh: Double
        public var bytesIn: Int64
        public var bytesOut: Int64
        /// gCO2e: energy × intensity, the embodied share, and both.
        public var operationalGrams: Double
        public var embodiedGrams: Double
        public var totalGrams: Double

        init(_ lines: [CarbonLine]) {
            let sum = { (value: (CarbonLine) -> Int64) in lines.reduce(Int64(0)) { $0 + value($1) } }
            count = lines.reduce(0) { $0 + $1.count }
            cpuSeconds = Double(sum(\.cpuMicros)) / 1e6
            computeWh = CarbonReport.wattHours(sum(\.computeMicrojoules))
            memoryWh = CarbonReport.wattHours(sum(\.memoryMicrojoules))
            storageWh = CarbonReport.wattHours(sum(\.storageMicrojoules))
            networkWh = CarbonReport.wattHours(sum(\.networkMicrojoules))
            energyWh = CarbonReport.wattHours(sum(\.energyMicrojoules))
            bytesIn = sum(\.bytesIn)
            bytesOut = sum(\.bytesOut)
            operationalGrams = Double(sum(\.operationalNanograms)) / 1e9
            embodiedGrams = Double(sum(\.embodiedNanograms)) / 1e9
            totalGrams = Double(sum(\.operationalNanograms) + sum(\.embodiedNanograms)) / 1e9
        }
    }

    public struct Line: Sendable, Hashable, Codable {
        public var repository: String?
        public var operation: String
        public var figures: Figures
    }

    /// SCI for one functional unit.
    public struct Intensity: Sendable, Hashable, Codable {
        /// `pull`, `push`, `run`, `GiB served`.
        public var unit: String
        /// The operations whose emissions count for it.
        public var operations: [String]
        /// R: how many units.
        public var units: Double
        /// E, kWh.
        public var energyKWh: Double
        /// I, gCO2e/kWh: the intensities the energy was multiplied by, weighted by energy.
        public var intensity: Double
        /// M, gCO2e.
        public var embodiedGrams: Double
        /// (E × I + M) / R, nil without units.
        public var gramsPerUnit: Double?
    }

    /// A repository's emissions per pull (reads' CO2e / manifest GETs).
    public struct Hotspot: Sendable, Hashable, Codable {
        public var repository: String
        public var pulls: Int
        public var gramsPerPull: Double
    }

    public var tenant: String
    /// `YYYY-MM`.
    public var period: String
    public var totals: Figures
    public var lines: [Line]
    public var sci: [Intensity]
    /// The repositories with the highest emissions per pull, highest first (at most 10).
    public var pullHotspots: [Hotspot]

    /// Reads; `pull` counts manifest GETs, and `GiB served` the bytes they and blob GETs send.
    static let pullOperations = ["blob.get", "catalog.list", "manifest.get", "manifest.head", "referrers.list", "tags.list"]
    /// Writes; `push` counts manifest PUTs. A HEAD of a blob belongs to pushes (clients ask before they upload).
    static let pushOperations = [
        "blob.head", "blob.mount", "manifest.put", "upload.cancel", "upload.chunk", "upload.finish", "upload.start", "upload.status",
    ]
    static let runOperations = ["wagi.request", "wasm.run"]

    public init(tenant: String, period: String, lines: [CarbonLine]) {
        self.tenant = tenant
        self.period = period
        self.lines = lines.map { Line(repository: $0.repository, operation: $0.operation, figures: Figures([$0])) }
        totals = Figures(lines)
        let count = { (operations: [String]) in lines.filter { operations.contains($0.operation) }.reduce(0) { $0 + $1.count } }
        let served = Double(lines.filter { Self.pullOperations.contains($0.operation) }.reduce(Int64(0)) { $0 + $1.bytesOut })
        sci = [
            Self.intensity("pull", Self.pullOperations, units: Double(count(["manifest.get"])), lines),
            Self.intensity("push", Self.pushOperations, units: Double(count(["manifest.put"])), lines),
            Self.intensity("run", Self.runOperations, units: Double(count(Self.runOperations)), lines),
            Self.intensity("GiB served", Self.pullOperations, units: served / 1_073_741_824, lines),
        ]
        let reads = Dictionary(grouping: lines.filter { Self.pullOperations.contains($0.operation) && $0.repository != nil }) { $0.repository ?? "" }
        pullHotspots = reads.compactMap { repository, lines -> Hotspot? in
            let pulls = lines.filter { $0.operation == "manifest.get" }.reduce(0) { $0 + $1.count }
            guard pulls > 0 else { return nil }
            return Hotspot(repository: repository, pulls: pulls, gramsPerPull: Figures(lines).totalGrams / Double(pulls))
        }.sorted { ($0.gramsPerPull, $1.repository) > ($1.gramsPerPull, $0.repository) }.prefix(10).map { $0 }
    }

    private static func intensity(_ unit: String, _ operations: [String], units: Double, _ lines: [CarbonLine]) -> Intensity {
        let figures = Figures(lines.filter { operations.contains($0.operation) })
        let kWh = figures.energyWh / 1000
        return Intensity(
            unit: unit, operations: operations, units: units, energyKWh: kWh, intensity: kWh > 0 ? figures.operationalGrams / kWh : 0,
            embodiedGrams: figures.embodiedGrams, gramsPerUnit: units > 0 ? figures.totalGrams / units : nil)
    }

    static func wattHours(_ microjoules: Int64) -> Double { Double(microjoules) / 3.6e9 }

    /// Tenants by emissions per pull (their reads' CO2e / manifest GETs), highest first: the
    /// registry-wide hotspots.
    public static func tenantHotspots(_ lines: [(tenant: String, line: CarbonLine)], limit: Int = 20) -> [TenantHotspot] {
        Dictionary(grouping: lines.filter { pullOperations.contains($0.line.operation) }) { $0.tenant }
            .compactMap { tenant, lines -> TenantHotspot? in
                let pulls = lines.filter { $0.line.operation == "manifest.get" }.reduce(0) { $0 + $1.line.count }
                guard pulls > 0 else { return nil }
                return TenantHotspot(tenant: tenant, pulls: pulls, gramsPerPull: Figures(lines.map(\.line)).totalGrams / Double(pulls))
            }
            .sorted { ($0.gramsPerPull, $1.tenant) > ($1.gramsPerPull, $0.tenant) }.prefix(limit).map { $0 }
    }

    /// A tenant's emissions per pull.
    public struct TenantHotspot: Sendable, Hashable, Codable {
        public var tenant: String
        public var pulls: Int
        public var gramsPerPull: Double
    }

    /// The lines as CSV (RFC 4180), with a header row.
    public var csv: String {
        var rows = [
            "tenant,period,repository,operation,count,cpu_seconds,energy_wh,compute_wh,memory_wh,storage_wh,network_wh,bytes_in,bytes_out,operational_g,embodied_g"
        ]
        for line in lines {
            let f = line.figures
            rows.append(
                [
                    tenant, period, line.repository ?? "", line.operation, String(f.count), String(f.cpuSeconds), String(f.energyWh),
                    String(f.computeWh), String(f.memoryWh), String(f.storageWh), String(f.networkWh), String(f.bytesIn), String(f.bytesOut),
                    String(f.operationalGrams), String(f.embodiedGrams),
                ].map(CSV.field).joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

}

extension CarbonCharge {
    /// The CSV header of `csvRow`.
    public static let csvHeader =
        "id,time,tenant,principal,operation,repository,request_id,cpu_us,cpu_measured,compute_uj,memory_uj,storage_uj,network_uj,bytes_in,bytes_out,intensity,intensity_source,energy_source,operational_ng,embodied_ng"

    /// The row as CSV (time in RFC 3339, UTC), with its ledger id.
    public func csvRow(id: Int64) -> String {
        [
            String(id), time.ISO8601Format(), tenant, principal, operation, repository ?? "", requestID, String(cpuMicros),
            cpuMeasured ? "true" : "false",
            String(computeMicrojoules), String(memoryMicrojoules), String(storageMicrojoules), String(networkMicrojoules), String(bytesIn),
            String(bytesOut), String(intensity), intensitySource, energySource, String(operationalNanograms), String(embodiedNanograms),
        ].map(CSV.field).joined(separator: ",")
    }

    /// The row as one NDJSON line.
    public func jsonLine(id: Int64) -> String {
        let object: [String: Any] = [
            "id": id, "time": time.ISO8601Format(), "tenant": tenant, "principal": principal, "operation": operation,
            "repository": repository ?? NSNull(), "request_id": requestID, "cpu_us": cpuMicros, "cpu_measured": cpuMeasured,
            "compute_uj": computeMicrojoules, "memory_uj": memoryMicrojoules, "storage_uj": storageMicrojoules, "network_uj": networkMicrojoules,
            "bytes_in": bytesIn, "bytes_out": bytesOut, "intensity": intensity, "intensity_source": intensitySource, "energy_source": energySource,
            "operational_ng": operationalNanograms, "embodied_ng": embodiedNanograms,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
