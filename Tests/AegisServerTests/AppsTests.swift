import AegisCore
import AegisServer
import AegisSpin
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

extension TestClientProtocol {
    func deploy(_ name: String, _ reference: String, public isPublic: Bool = false, tenant: String = "acme") async throws -> TestResponse {
        try await execute(
            uri: "/api/v1/tenants/\(tenant)/apps/\(name)", method: .put, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"reference":"\#(reference)","public":\#(isPublic)}"#))
    }

    /// Pushes a Spin application packaged by `SpinPackage`; returns the manifest digest.
    @discardableResult
    func pushSpinApp(_ package: SpinPackage, to repository: String, tag: String) async throws -> String {
        for blob in package.blobs { try await pushBlob(blob.bytes, to: repository) }
        return try await pushManifest(package.imageManifest.bytes, to: repository, reference: tag)
    }
}

/// The model-inference example (`Examples/model-inference`) as `aegisguard app push` packages it.
func irisPackage() throws -> SpinPackage {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/model-inference")
    var files: [String: [UInt8]] = [:]
    for path in ["spin.toml", "infer.wasm", "model/weights.txt", "model/model-card.md"] {
        files[path] = Array(try Data(contentsOf: root.appendingPathComponent(path)))
    }
    let manifest = try SpinManifest(parsing: String(decoding: files["spin.toml"] ?? [], as: UTF8.self))
    return try SpinPackage(
        manifest: manifest, sources: InMemorySpinSourceTree(files: files),
        annotations: ["io.aegisguard.model.card": String(decoding: files["model/model-card.md"] ?? [], as: UTF8.self)])
}

@Suite struct AppsTests {
    @Test(.redirectsUnfollowed) func aModuleDeployedAsAnAppAnswersWithTheWAGIContract() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run { client in
            try await client.pushWasmModule(try wasmFixture("cgi"), to: "acme/web/cgi", tag: "v1")
            let deployed = try await client.deploy("cgi", "acme/web/cgi:v1")
            #expect(deployed.status == .ok, "\(String(buffer: deployed.body))")

            try await client.execute(uri: "/apps/acme/cgi/hello?x=1", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Type") == "text/plain")
                #expect(String(buffer: response.body) == "Hello from WAGI GET /hello ?x=1\n")
                #expect(response.header("Aegis-Gas-Used") != nil)
            }
            try await client.execute(uri: "/apps/acme/cgi/echo", method: .post, body: ByteBuffer(string: "body bytes\u{0}!")) { response throws in
                #expect(String(buffer: response.body) == "body bytes\u{0}!")
            }
            try await client.execute(uri: "/apps/acme/cgi/missing", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == "no such thing\n")
            }
            try await client.execute(uri: "/apps/acme/cgi/redirect", method: .get) { response throws in
                #expect(response.status == .found)
                #expect(response.header("Location") == "/apps/x/hello")
            }
            try await client.execute(uri: "/apps/acme/cgi/headers", method: .get, headers: [HTTPField.Name("X-Custom")!: "yes"]) { response throws in
                let text = String(buffer: response.body)
                #expect(text.contains("HTTP_X_CUSTOM=yes\n"))
                #expect(!text.contains("HTTP_AUTHORIZATION"))
            }
            try await client.execute(uri: "/apps/acme/cgi/fail", method: .get) { response throws in
                #expect(response.status == .internalServerError)
                #expect(response.header("Content-Type") == "application/problem+json")
            }
            try await client.execute(uri: "/apps/acme/nope/hello", method: .get) { #expect($0.status == .notFound) }
            let runs = try await client.eventually(uri: "/api/v1/tenants/acme/runs") { $0.contains(#""trigger":"wagi""#) }
            #expect(runs.contains(#""trigger":"wagi""#))
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        #expect(charges.filter { $0.operation == "wagi.request" }.count == 6)
        try storage.metadata.close()
    }

    @Test func privateAppsNeedTheRunPermissionAndPublicAppsDoNot() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { anonymous in
            let admin = AuthenticatedClient(base: anonymous, user: TestRegistry.admin.user, password: TestRegistry.admin.password)
            try await admin.pushWasmModule(try wasmFixture("cgi"), to: "acme/web/cgi", tag: "v1")
            #expect(try await admin.deploy("private", "acme/web/cgi:v1").status == .ok)
            #expect(try await admin.deploy("open", "acme/web/cgi:v1", public: true).status == .ok)
            let rita = AuthenticatedClient(base: anonymous, user: "rita", password: testPassword)
            let bob = AuthenticatedClient(base: anonymous, user: "bob", password: testPassword)
            #expect(try await anonymous.execute(uri: "/apps/acme/private/hello", method: .get).status == .unauthorized)
            #expect(try await rita.execute(uri: "/apps/acme/private/hello", method: .get).status == .notFound)
            #expect(try await bob.execute(uri: "/apps/acme/private/hello", method: .get).status == .ok)
            #expect(try await anonymous.execute(uri: "/apps/acme/open/hello", method: .get).status == .ok)
            // Deploying takes push and run; readers may only list.
            #expect(try await rita.deploy("mine", "acme/web/cgi:v1").status == .forbidden)
            #expect(try await rita.execute(uri: "/api/v1/tenants/acme/apps", method: .get).status == .ok)
            #expect(try await admin.execute(uri: "/api/v1/tenants/acme/apps/open", method: .delete).status == .noContent)
            #expect(try await anonymous.execute(uri: "/apps/acme/open/hello", method: .get).status == .notFound)
        }
    }

    @Test func theModelInferenceExampleRunsThroughTheAPIAndAsAWAGIApp() async throws {
        try await withRegistry { client in
            let package = try irisPackage()
            let digest = try await client.pushSpinApp(package, to: "acme/models/iris", tag: "1.0.0")
            try await client.execute(uri: "/v2/acme/models/iris/manifests/1.0.0", method: .get) { response throws in
                #expect(String(buffer: response.body).contains("io.aegisguard.model.card"))
            }
            let stdin = Data("5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n".utf8).base64EncodedString()
            let run = try await client.startRun(#"{"reference":"acme/models/iris:1.0.0","stdin":"\#(stdin)"}"#).json(RunOutcome.self)
            #expect(run.status == "exit")
            #expect(run.digest == digest)
            let lines = run.output.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix(#"{"class":"setosa""#) == true)
            #expect(lines.last?.hasPrefix(#"{"class":"virginica""#) == true)

            #expect(try await client.deploy("iris", "acme/models/iris:1.0.0").status == .ok)
            try await client.execute(uri: "/apps/acme/iris/predict", method: .post, body: ByteBuffer(string: #"{"features":[6.4,3.2,4.5,1.5]}"#)) {
                response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Type") == "application/json")
                #expect(String(buffer: response.body).hasPrefix(#"{"class":"versicolor""#))
            }
            try await client.execute(uri: "/apps/acme/iris/predict", method: .post, body: ByteBuffer(string: "not numbers")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/apps/acme/iris/elsewhere", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func onlyRunnableArtifactsDeploy() async throws {
        try await withRegistry { client in
            try await client.pushImage(to: "acme/app", tag: "v1")
            let image = try await client.deploy("img", "acme/app:v1")
            #expect(image.status == .unprocessableContent)
            #expect(try await client.deploy("Bad_Name", "acme/app:v1").status == .badRequest)
            #expect(try await client.deploy("gone", "acme/app:v9").status == .notFound)
            #expect(try await client.deploy("other", "globex/app:v1").status == .notFound)
        }
    }

    @Test func spinArchiveLayersAreRefusedWithAReason() async throws {
        try await withRegistry { client in
            let package = try irisPackage()
            let archive = randomBytes(256)
            let archiveDigest = try await client.pushBlob(archive, to: "acme/models/archived")
            for blob in package.blobs { try await client.pushBlob(blob.bytes, to: "acme/models/archived") }
            let layers =
                package.layers.map { (digest: $0.digest.description, size: $0.bytes.count, mediaType: $0.mediaType) }
                + [(digest: archiveDigest, size: archive.count, mediaType: SpinMediaType.archiveLayer)]
            let layerList = layers.map { #"{"mediaType":"\#($0.mediaType)","digest":"\#($0.digest)","size":\#($0.size)}"# }
            let manifest = Array(
                #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(package.config.digest)","size":\#(package.config.bytes.count)},"layers":[\#(layerList.joined(separator: ","))]}"#
                    .utf8)
            try await client.pushManifest(manifest, to: "acme/models/archived", reference: "v1")
            let response = try await client.startRun(#"{"reference":"acme/models/archived:v1"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(String(buffer: response.body).contains("archive layers"))
        }
    }
}
