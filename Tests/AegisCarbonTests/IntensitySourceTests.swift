import AegisCarbon
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The Carbon Aware SDK's web API and forecast file, as its JSON has them, from a stub server on
/// loopback and a fixture file.
@Suite struct IntensitySourceTests {
    static let forecast = """
        [{"generatedAt":"2026-12-06T09:55:00+00:00","requestedAt":"2026-12-06T09:56:00+00:00","location":"eastus",
          "dataStartAt":"2026-12-06T10:00:00+00:00","dataEndAt":"2026-12-06T11:00:00+00:00","windowSize":0,
          "optimalDataPoints":[{"location":"eastus","timestamp":"2026-12-06T10:30:00+00:00","duration":15,"value":120.5}],
          "forecastData":[
            {"location":"eastus","timestamp":"2026-12-06T10:15:00+00:00","duration":15,"value":250.0},
            {"location":"eastus","timestamp":"2026-12-06T10:00:00+00:00","duration":15,"value":300.0},
            {"location":"eastus","timestamp":"2026-12-06T10:30:00+00:00","duration":15,"value":120.5},
            {"location":"eastus","timestamp":"2026-12-06T10:45:00+00:00","duration":15,"value":180.0}]}]
        """
    static let emissions = """
        [{"location":"eastus","time":"2026-12-06T10:00:00+00:00","rating":200.5,"duration":"00:05:00"},
         {"location":"eastus","time":"2026-12-06T10:05:00+00:00","rating":180.25,"duration":"00:05:00"},
         {"location":"eastus","time":"2026-12-06T11:00:00+00:00","rating":99.0,"duration":"00:05:00"}]
        """
    static func date(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }

    func withStub(failing: Bool = false, _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("emissions/bylocation") { request, _ -> Response in
            guard !failing else { return Response(status: .internalServerError) }
            guard request.uri.queryParameters["location"] == "eastus", request.uri.queryParameters["toTime"] != nil else {
                return Response(status: .badRequest)
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: Self.emissions)))
        }
        router.get("emissions/forecasts/current") { request, _ -> Response in
            guard request.uri.queryParameters["location"] == "eastus" else { return Response(status: .badRequest) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: Self.forecast)))
        }
        try await Application(router: router).test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))")
        }
    }

    @Test func theWebAPIsNewestReadingAndForecastAreRead() async throws {
        try await withStub { url in
            let source = CarbonAwareWebSource(baseURL: url + "/", location: "eastus")
            #expect(source.name == "live:eastus")
            // The newest reading not after now: 10:05's, not 11:00's.
            #expect(try await source.current(at: try Self.date("2026-12-06T10:07:00Z")) == 180.25)
            let points = try await source.forecast(
                for: "eastus", from: try Self.date("2026-12-06T10:20:00Z"), to: try Self.date("2026-12-06T10:50:00Z"))
            #expect(points.map(\.gramsPerKWh) == [250, 120.5, 180])
            #expect(points.map(\.duration) == [900, 900, 900])
        }
    }

    @Test func aFailingWebAPIFallsBackToTheTable() async throws {
        try await withStub(failing: true) { url in
            let intensity = GridIntensity(
                table: IntensityReading(gramsPerKWh: 379.069, source: "table:aws:us-east-1"),
                live: CarbonAwareWebSource(baseURL: url, location: "eastus"), refreshSeconds: 300, logger: Logger(label: "test"))
            #expect(await intensity.current() == IntensityReading(gramsPerKWh: 379.069, source: "fallback:table:aws:us-east-1"))
        }
    }

    @Test func aForecastFileGivesTheSlotCoveringNow() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID()).json").path
        try Data(Self.forecast.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = ForecastFileSource(path: path, location: "eastus")
        #expect(try await source.current(at: try Self.date("2026-12-06T10:31:00Z")) == 120.5)
        #expect(try await source.current(at: try Self.date("2026-12-06T10:00:00Z")) == 300)
        await #expect(throws: IntensitySourceError.self) { try await source.current(at: try Self.date("2026-12-06T12:00:00Z")) }
        #expect(try await source.forecast(for: "westus", from: .distantPast, to: .distantFuture).isEmpty)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(throws: (any Error).self) { try await source.current(at: Date()) }
    }
}

/// RAPL through a powercap tree and a `/proc/stat` written by the test.
@Suite struct RAPLEnergyMeterTests {
    @Test func packageEnergyIsAttributedByTheProcesssShareOfBusyCPU() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("powercap-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ text: String, _ path: String) throws {
            try FileManager.default.createDirectory(
                atPath: (root + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + path))
        }
        try write("1000000\n", "intel-rapl:0/energy_uj")
        try write("5000000\n", "intel-rapl:0/max_energy_range_uj")
        try write("9\n", "intel-rapl:0:0/energy_uj")  // a sub-zone, counted in its package
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        try write("cpu  100 0 100 5000 0 0 0 0 0 0\n", "stat")
        let meter = try RAPLEnergyMeter(root: root, statPath: root + "/stat")
        let first = try #require(meter.read())
        #expect(first.packageJoules == 1 && first.hostBusySeconds == 200 / ticks)
        // The counter wraps: 1 J → 5 J range → 0.5 J reads as 4.5 J used.
        try write("500000\n", "intel-rapl:0/energy_uj")
        try write("cpu  150 0 150 5100 0 0 0 0 0 0\n", "stat")
        let second = try #require(meter.read())
        #expect(abs(second.packageJoules - 5.5) < 1e-9)
        #expect(second.hostBusySeconds == 300 / ticks)
        #expect(throws: CarbonSettingsError.self) { try RAPLEnergyMeter(root: root + "/absent") }
    }
}
