import AegisCarbon
import AegisConfig
import AegisCore
import AegisGas
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every metered request gets its carbon row, with the figures the model and the table give.
@Suite struct CarbonAccountingTests {
    @Test func everyMeteredRequestHasACarbonRowAtTheTablesIntensity() async throws {
        var registry = try TestRegistry()
        registry.configuration.carbon.region = "eu-west-1"
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let acme = try TenantID("acme")
        let (start, end) = (Date().addingTimeInterval(-60), Date().addingTimeInterval(3600))
        try await registry.run { client in
            let layer = randomBytes(5000)
            let (manifest, _) = try await GarbageCollectionTests.push([layer], to: "acme/app", tag: "v1", client)
            for _ in 0..<5 {
                try await client.execute(
                    uri: "/v2/acme/app/manifests/v1", method: .get, headers: [.accept: MediaType.ociManifest]
                ) { #expect($0.status == .ok) }
            }
            // Rows are written each second, gas rows every 250 ms: wait (bounded) for both.
            var ready = false
            for _ in 0..<60 where !ready {
                let gets = try await storage.metadata.carbonLines(of: acme, from: start, to: end).first { $0.operation == "manifest.get" }
                ready = gets?.count == 5
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready)
            let gasIDs = Set(try await storage.metadata.charges(of: acme, from: start, to: end).map(\.requestID))
            let rows = try await storage.metadata.carbonCharges(of: acme, from: start, to: end, after: 0, limit: 1000).map(\.charge)
            #expect(Set(rows.map(\.requestID)) == gasIDs)
            for row in rows {
                #expect(row.intensity == 278.6 && row.intensitySource == "table:aws:eu-west-1" && row.energySource == "ccf")
                #expect(row.computeMicrojoules > 0 && row.memoryMicrojoules > 0 && row.networkMicrojoules == 0)
                // ng = µJ × g/kWh / 3600 (1 kWh is 3.6e12 µJ, 1 g 1e9 ng).
                let expected = Double(row.energyMicrojoules) * 278.6 / 3600
                #expect(abs(Double(row.operationalNanograms) - expected) <= 2 + expected * 1e-6)
                #expect(row.embodiedNanograms > 0)
            }
            #expect(rows.filter { $0.operation == "manifest.get" }.allSatisfy { $0.bytesOut == Int64(manifest.count) })
            #expect(rows.first { $0.operation == "upload.finish" && $0.bytesIn == 5000 } != nil)
        }
    }

    /// The report's totals are the ledger's sums; the exports hold the ledger's rows; bad input is
    /// a problem with its code.
    @Test func theReportAndTheExportsAgreeWithTheLedger() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let acme = try TenantID("acme")
        let period = Invoice.period(of: Date())
        let bounds = try #require(Invoice.bounds(of: period))
        try await registry.run { client in
            _ = try await GarbageCollectionTests.push([randomBytes(3000)], to: "acme/app", tag: "v1", client)
            for _ in 0..<3 {
                try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get, headers: [.accept: MediaType.ociManifest]) { _ in }
            }
            var rows: [CarbonCharge] = []
            for _ in 0..<60 where rows.filter({ $0.operation == "manifest.get" }).count < 3 {
                try await Task.sleep(for: .milliseconds(100))
                rows = try await storage.metadata.carbonCharges(of: acme, from: bounds.start, to: bounds.end, after: 0, limit: 1000).map(\.charge)
            }
            // Stop here: the API calls below are metered too, and would add rows of their own.
            let lines = try await storage.metadata.carbonLines(of: acme, from: bounds.start, to: bounds.end)
            let report = try await client.execute(uri: "/api/v1/tenants/acme/carbon?period=\(period)", method: .get) { response throws in
                #expect(response.status == .ok)
                return try JSONDecoder().decode(CarbonReport.self, from: Data(buffer: response.body))
            }
            #expect(report == CarbonReport(tenant: "acme", period: period, lines: lines))
            let energy = lines.reduce(Int64(0)) { $0 + $1.energyMicrojoules }
            #expect(abs(report.totals.energyWh - Double(energy) / 3.6e9) < 1e-12)
            let grams = lines.reduce(Int64(0)) { $0 + $1.operationalNanograms + $1.embodiedNanograms }
            #expect(abs(report.totals.totalGrams - Double(grams) / 1e9) < 1e-12)
            let pull = try #require(report.sci.first { $0.unit == "pull" })
            #expect(pull.units == Double(lines.filter { $0.operation == "manifest.get" }.reduce(0) { $0 + $1.count }))
            #expect(pull.gramsPerUnit.map { $0 > 0 } == true)
            #expect(report.pullHotspots.map(\.repository) == ["acme/app"])
            #expect(report.pullHotspots.first?.pulls == Int(pull.units) && (report.pullHotspots.first?.gramsPerPull ?? 0) > 0)
            let hotspots = try await client.execute(uri: "/api/v1/carbon/hotspots?period=\(period)", method: .get) { response throws in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            #expect(hotspots.contains(#""tenant":"acme""#), "\(hotspots)")

            let ndjson = try await client.execute(uri: "/api/v1/tenants/acme/carbon/export?period=\(period)", method: .get) { response in
                #expect(response.headers[.contentType] == "application/x-ndjson")
                return String(buffer: response.body)
            }
            let exported = ndjson.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let ledger = try await storage.metadata.carbonCharges(of: acme, from: bounds.start, to: bounds.end, after: 0, limit: 10_000)
            #expect(exported.count >= rows.count)
            #expect(exported.compactMap { $0["request_id"] as? String }.prefix(ledger.count) == ledger.map(\.charge.requestID).prefix(exported.count))
            #expect(exported.reduce(0) { $0 + (($1["compute_uj"] as? Int) ?? 0) } >= Int(lines.reduce(Int64(0)) { $0 + $1.computeMicrojoules }))
            try await client.execute(uri: "/api/v1/tenants/acme/carbon/export?format=csv", method: .get) { response in
                #expect(String(buffer: response.body).hasPrefix(CarbonCharge.csvHeader + "\n"))
            }

            for bad in [
                "/api/v1/tenants/acme/carbon?period=2026-13", "/api/v1/tenants/acme/carbon?format=xml",
                "/api/v1/tenants/acme/carbon/export?format=json",
            ] {
                try await client.execute(uri: bad, method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    #expect(String(buffer: response.body).contains(#""code":"#), "\(bad)")
                }
            }
        }
    }
}
