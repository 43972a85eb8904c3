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

/// Carbon-aware runs against a forecast file whose cleanest slot is known: queued for it, run by
/// the scheduler there, across a restart, and never twice.
@Suite struct DeferredRunsTests {
    struct View: Decodable {
        var id: Int64
        var state: String
        var submittedAt: String
        var scheduledAt: String
        var region: String
        var submitIntensity: Double
        var scheduledIntensity: Double
        var runIntensity: Double?
        var avoidedGrams: Double?
        var outcome: String?
        var stdout: String?
    }

    /// A forecast for `test-zone` written at `now` (whole seconds): 400 g/kWh until `clean` seconds
    /// from now, 50 for 20 s from then, then 300.
    static func forecast(at now: Date, clean: TimeInterval = 5, into path: String) throws {
        func slot(_ offset: TimeInterval, seconds: TimeInterval, _ value: Double) -> String {
            #"{"location":"test-zone","timestamp":"\#(now.addingTimeInterval(offset).ISO8601Format())","duration":\#(seconds / 60),"value":\#(value)}"#
        }
        let points = [slot(-60, seconds: 60 + clean, 400), slot(clean, seconds: 20, 50), slot(clean + 20, seconds: 600, 300)]
            .joined(separator: ",")
        try Data(#"[{"location":"test-zone","forecastData":[\#(points)]}]"#.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func wholeSecond() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    func registry(forecast path: String) throws -> TestRegistry {
        var registry = try TestRegistry()
        registry.configuration.carbon.forecastFile = path
        registry.configuration.carbon.location = "test-zone"
        registry.configuration.carbon.schedulerIntervalSeconds = 1
        return registry
    }

    func submit(_ client: any TestClientProtocol, deadline: Date, reference: String = "acme/tools/hello:v1") async throws -> TestResponse {
        try await client.startRun(#"{"reference":"\#(reference)","deferrable":{"deadline":"\#(deadline.ISO8601Format())"}}"#)
    }

    func view(_ client: any TestClientProtocol, _ id: Int64) async throws -> View {
        try await client.execute(uri: "/api/v1/tenants/acme/runs/deferred/\(id)", method: .get) { try $0.json(View.self) }
    }

    /// Polls (bounded, 20 s) until the run has left `queued` and `running`.
    func ended(_ client: any TestClientProtocol, _ id: Int64) async throws -> View {
        var run = try await view(client, id)
        for _ in 0..<200 where run.state == "queued" || run.state == "running" {
            try await Task.sleep(for: .milliseconds(100))
            run = try await view(client, id)
        }
        return run
    }

    @Test func aDeferredRunWaitsForTheCleanestSlotAndRunsThere() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.forecast(at: Self.wholeSecond(), into: path)
        let registry = try registry(forecast: path)
        defer { registry.remove() }
        try await registry.run { client in
            try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            // Written now, so that the clean slot is still ahead however long the set-up took.
            let now = Self.wholeSecond()
            try Self.forecast(at: now, into: path)
            let response = try await submit(client, deadline: now.addingTimeInterval(60))
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            let queued = try response.json(View.self)
            #expect(queued.state == "queued" && queued.region == "test-zone")
            #expect(queued.submitIntensity == 400 && queued.scheduledIntensity == 50)
            #expect(queued.scheduledAt == now.addingTimeInterval(5).ISO8601Format())

            let run = try await ended(client, queued.id)
            #expect(run.state == "finished" && run.outcome == "exit", "\(run)")
            #expect(run.stdout.flatMap { Data(base64Encoded: $0) } == Data("hello, world\n".utf8))
            #expect(run.runIntensity == 50)
            #expect((run.avoidedGrams ?? 0) > 0)
            // Recorded like any run, and metered: its carbon row has its own measured CPU.
            let runs = try await client.eventually(uri: "/api/v1/tenants/acme/runs") { $0.contains(#""trigger":"deferred""#) }
            #expect(runs.components(separatedBy: #""trigger":"deferred""#).count == 2)
            let storage = try await AegisStorage.open(registry.configuration)
            defer { try? storage.metadata.close() }
            var row: CarbonCharge?
            for _ in 0..<50 where row == nil {
                row = try await storage.metadata.carbonCharges(
                    of: TenantID("acme"), from: now.addingTimeInterval(-60), to: now.addingTimeInterval(3600), after: 0, limit: 1000
                ).map(\.charge).first { $0.requestID == "deferred-\(queued.id)" }
                if row == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(row?.cpuMeasured == true && row?.operation == "wasm.run")
        }
    }

    @Test func aShortDeadlineRunsAtOnceAndAQueuedRunCanBeCancelled() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.forecast(at: Self.wholeSecond(), into: path)
        let registry = try registry(forecast: path)
        defer { registry.remove() }
        try await registry.run { client in
            try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            // The cleaner slot starts after this deadline: at once.
            var now = Self.wholeSecond()
            try Self.forecast(at: now, into: path)
            let soon = try await submit(client, deadline: now.addingTimeInterval(2)).json(View.self)
            #expect(soon.scheduledIntensity == 400 && soon.scheduledAt == soon.submittedAt)
            #expect(try await ended(client, soon.id).state == "finished")

            now = Self.wholeSecond()
            try Self.forecast(at: now, clean: 40, into: path)
            let later = try await submit(client, deadline: now.addingTimeInterval(60)).json(View.self)
            try await client.execute(uri: "/api/v1/tenants/acme/runs/deferred/\(later.id)", method: .delete) { #expect($0.status == .noContent) }
            #expect(try await view(client, later.id).state == "cancelled")
            try await client.execute(uri: "/api/v1/tenants/acme/runs/deferred/\(later.id)", method: .delete) { response in
                #expect(response.status == .conflict)
                #expect(String(buffer: response.body).contains(#""code":"conflict""#))
            }
            try await client.execute(uri: "/api/v1/tenants/acme/runs/deferred/999999", method: .get) { #expect($0.status == .notFound) }
            let absent = try await submit(client, deadline: now.addingTimeInterval(60), reference: "acme/tools/absent:v1")
            #expect(absent.status == .notFound)
            let malformed = try await client.startRun(#"{"reference":"acme/tools/hello:v1","deferrable":{"deadline":"tomorrow"}}"#)
            #expect(malformed.status == .badRequest)
            let unknown = try await client.startRun(#"{"reference":"acme/tools/hello:v1","deferrable":{"deadline":"2026-12-06T10:00:00Z","x":1}}"#)
            #expect(unknown.status == .badRequest)
        }
    }

    /// A restart while a run waits loses nothing, and the run is made once.
    @Test func aQueuedRunSurvivesARestartAndRunsOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.forecast(at: Self.wholeSecond(), into: path)
        let registry = try registry(forecast: path)
        defer { registry.remove() }
        let id = try await registry.run { client in
            try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            let now = Self.wholeSecond()
            try Self.forecast(at: now, into: path)
            let queued = try await submit(client, deadline: now.addingTimeInterval(60)).json(View.self)
            #expect(queued.state == "queued")
            return queued.id
        }
        try await registry.run { client in
            let run = try await ended(client, id)
            #expect(run.state == "finished" && run.outcome == "exit", "\(run)")
            let runs = try await client.eventually(uri: "/api/v1/tenants/acme/runs") { $0.contains(#""trigger":"deferred""#) }
            #expect(runs.components(separatedBy: #""trigger":"deferred""#).count == 2)
        }
    }

    /// A tenant may queue 1,000 runs; the next is a conflict, not a row more.
    @Test func aTenantsQueueIsBounded() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(
            prepare: { storage, _ in
                for _ in 0..<1000 {
                    _ = try await storage.metadata.insertDeferredRun(
                        DeferredRunRecord(
                            id: 0, tenant: "acme", principal: "admin", request: Data("{}".utf8), submittedAt: Date(),
                            deadline: Date().addingTimeInterval(3600), scheduledAt: Date().addingTimeInterval(3600), region: "elsewhere",
                            submitIntensity: 1, scheduledIntensity: 1))
                }
            }
        ) { client in
            try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            let refused = try await submit(client, deadline: Date().addingTimeInterval(60))
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains(#""code":"conflict""#))
        }
    }
}
