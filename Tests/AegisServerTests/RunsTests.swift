import AegisCore
import AegisGas
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A committed fixture module (`Fixtures/wasm`).
func wasmFixture(_ name: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return Array(try Data(contentsOf: root.appendingPathComponent("Fixtures/wasm/\(name).wasm")))
}

extension TestClientProtocol {
    /// Pushes `module` in the CNCF wasm artifact layout (config `application/vnd.wasm.config.v0+json`,
    /// one `application/wasm` layer), tagged `tag`; returns the manifest digest.
    @discardableResult
    func pushWasmModule(_ module: [UInt8], to repository: String, tag: String) async throws -> String {
        let config = Array(#"{"created":"2026-11-25T00:00:00Z","architecture":"wasm","os":"wasip1","layerDigests":[]}"#.utf8)
        let configDigest = try await pushBlob(config, to: repository)
        let layerDigest = try await pushBlob(module, to: repository)
        let manifest = Array(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/wasm","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"\#(configDigest)","size":\#(config.count)},"layers":[{"mediaType":"application/wasm","digest":"\#(layerDigest)","size":\#(module.count)}]}"#
                .utf8)
        return try await pushManifest(manifest, to: repository, reference: tag)
    }

    func startRun(_ body: String, tenant: String = "acme", headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: "/api/v1/tenants/\(tenant)/runs", method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

extension TestClientProtocol {
    /// The body of `GET uri` once `done` holds for it, polling for at most 5 s (for what is
    /// written in batches).
    func eventually(uri: String, _ done: (String) -> Bool) async throws -> String {
        var body = ""
        for _ in 0..<100 {
            body = try await execute(uri: uri, method: .get) { String(buffer: $0.body) }
            if done(body) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return body
    }
}

struct RunOutcome: Decodable {
    var status: String
    var exitCode: Int32?
    var stdout: String
    var stderr: String
    var stdoutTruncated: Bool
    var gasUsed: UInt64
    var fuelUsed: UInt64
    var digest: String

    var output: String { String(decoding: Data(base64Encoded: stdout) ?? Data(), as: UTF8.self) }
}

@Suite struct RunsTests {
    @Test func aPushedModuleRunsThroughTheAPIAndItsGasIsCharged() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let schedule = GasSchedule.standard
        try await registry.run { client in
            let digest = try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            let response = try await client.startRun(#"{"reference":"acme/tools/hello:v1"}"#)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let run = try response.json(RunOutcome.self)
            #expect(run.status == "exit")
            #expect(run.exitCode == 0)
            #expect(run.output == "hello, world\n")
            #expect(run.digest == digest)
            let expected = schedule.intrinsic(.apiCall) + schedule.intrinsic(.wasmRun) + (run.fuelUsed + 999) / 1000
            #expect(run.gasUsed == expected)
            #expect(response.header("Aegis-Gas-Used") == String(expected))

            // Run records are written in batches (every 250 ms).
            let listed = try await client.eventually(uri: "/api/v1/tenants/acme/runs") { $0.contains(#""trigger":"api""#) }
            #expect(listed.contains(#""status":"exit""#) && listed.contains(#""trigger":"api""#))
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        let run = try #require(charges.first { $0.operation == "wasm.run" })
        #expect(run.repository == "acme/tools/hello")
        #expect(!run.outOfGas)
        try storage.metadata.close()
    }

    @Test func argumentsEnvironmentAndStdinReachTheModule() async throws {
        try await withRegistry { client in
            try await client.pushWasmModule(try wasmFixture("echo"), to: "acme/tools/echo", tag: "v1")
            let stdin = Data("from stdin".utf8).base64EncodedString()
            let response = try await client.startRun(
                #"{"reference":"acme/tools/echo:v1","args":["a","b c"],"env":{"EXIT_CODE":"5","X":"y"},"stdin":"\#(stdin)"}"#)
            let run = try response.json(RunOutcome.self)
            #expect(run.exitCode == 5)
            #expect(run.output == "arg[1]=a\narg[2]=b c\nenv EXIT_CODE=5\nenv X=y\nstdin=from stdin\n")
        }
    }

    @Test func anInfiniteLoopUsesUpItsGasLimitAndNothingMore() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run { client in
            try await client.pushWasmModule(try wasmFixture("spin"), to: "acme/tools/spin", tag: "v1")
            let response = try await client.startRun(#"{"reference":"acme/tools/spin:v1","gasLimit":20000}"#)
            let run = try response.json(RunOutcome.self)
            #expect(run.status == "out_of_gas")
            #expect(run.exitCode == nil)
            #expect(run.gasUsed == 20000)
            #expect(response.header("Aegis-Gas-Used") == "20000")
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        #expect(charges.contains { $0.operation == "wasm.run" && $0.outOfGas && $0.gas == 20000 })
        try storage.metadata.close()
    }

    @Test func runsNeedTheRunPermissionAndARunnableArtifactInTheTenant() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(prepare: createTestUsers) { admin in
            try await admin.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            try await admin.pushImage(to: "acme/app", tag: "v1")
            try await admin.pushWasmModule(try wasmFixture("hello"), to: "globex/tools/hello", tag: "v1")
            let body = #"{"reference":"acme/tools/hello:v1"}"#
            let rita = AuthenticatedClient(base: admin, user: "rita", password: testPassword)
            #expect(try await rita.startRun(body).status == .forbidden)
            let bob = AuthenticatedClient(base: admin, user: "bob", password: testPassword)
            #expect(try await bob.startRun(body).status == .ok)
            let gina = AuthenticatedClient(base: admin, user: "gina", password: testPassword)
            #expect(try await gina.startRun(body).status == .notFound)
            #expect(try await gina.startRun(#"{"reference":"acme/tools/hello:v1"}"#, tenant: "globex").status == .notFound)

            let image = try await admin.startRun(#"{"reference":"acme/app:v1"}"#)
            #expect(image.status == .unprocessableContent)
            #expect(String(buffer: image.body).contains("no WebAssembly module layer"))
            #expect(try await admin.startRun(#"{"reference":"acme/tools/hello:v2"}"#).status == .notFound)
            #expect(try await admin.startRun(#"{"reference":"acme/tools/hello:v1","gasLimit":0}"#).status == .badRequest)
            #expect(try await admin.startRun(#"{"reference":"acme/tools/hello:v1","stdin":"***"}"#).status == .badRequest)
            #expect(try await admin.startRun(#"{"reference":"acme/tools/hello:v1","bogus":1}"#).status == .badRequest)
            // No tag means latest (absent here); a dotted first component is a tenant, not a host
            // (found by schemathesis: both were 400 for references the contract allows).
            #expect(try await admin.startRun(#"{"reference":"acme/tools/hello"}"#).status == .notFound)
            #expect(try await admin.startRun(#"{"reference":"ex.ample/tools/hello"}"#).status == .notFound)
            #expect(try await admin.startRun(#"{"reference":"acme/Tools:v1"}"#).status == .badRequest)
        }
    }
}
