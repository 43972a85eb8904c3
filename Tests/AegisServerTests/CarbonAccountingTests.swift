import AegisCarbon
import AegisConfig
import AegisCore
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
}
