import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisServer
import AegisStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A registry on a fresh temporary data directory with tenants `acme` and `globex`.
struct TestRegistry {
    let directory: URL
    var configuration: AegisConfiguration
    /// The server's logger (default: warnings and above, swift-log's handler).
    var logger: Logger?

    init(limits: RegistryLimits = .default) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configuration = AegisConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.dataDirectory = directory.path
        configuration.limits = limits
        configuration.logLevel = "warning"
        // Cheap hashes keep tests fast; the format and checks are production's.
        configuration.auth.scryptRounds = 1024
        if Self.overTLS {
            configuration.tls.certificateFile = try TestCertificates.path("server.pem")
            configuration.tls.keyFile = try TestCertificates.path("server.key")
        }
    }

    /// `AEGIS_TEST_TRANSPORT=h2` runs every registry test over TLS and HTTP/2 (AsyncHTTPClient
    /// negotiating `h2`), whatever setup the test asks for; the default is the test's own setup
    /// (HTTP/1.1 in plain text, or the router without a socket).
    static let overTLS = ProcessInfo.processInfo.environment["AEGIS_TEST_TRANSPORT"] == "h2"

    /// The `Host` the test client sends: HummingbirdTesting's own clients send `localhost`,
    /// AsyncHTTPClient the host and port of its URL.
    static func host(of client: some TestClientProtocol) -> String {
        overTLS ? "localhost:\(client.port ?? 0)" : "localhost"
    }

    /// The token realm the registry derives from that `Host`.
    static func realm(of client: some TestClientProtocol) -> String {
        (overTLS ? "https://" : "http://") + host(of: client) + "/token"
    }

    /// The system administrator every test client authenticates as (Basic credentials).
    static let admin = (user: "admin", password: "admin-password-for-tests")

    /// Opens the stores, creates the test tenants, runs `body` against a server on them.
    func run<T: Sendable>(
        _ setup: TestingSetup = .live, tenants: [String] = ["acme", "globex"], as credentials: (user: String, password: String)? = admin,
        prepare: @Sendable (AegisStorage, Operations) async throws -> Void = { _, _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let storage = try await AegisStorage.open(configuration)
        for tenant in tenants where try await storage.metadata.tenant(TenantID(tenant)) == nil {
            _ = try await storage.metadata.createTenant(TenantID(tenant))
        }
        let operations = try buildOperations(configuration, storage: storage, logger: Logger(label: "test"))
        if try await storage.metadata.user(named: Self.admin.user) == nil {
            try await operations.createUser(name: Self.admin.user, password: Self.admin.password, systemAdmin: true)
        }
        try await prepare(storage, operations)
        var logger = self.logger ?? Logger(label: "test")
        if self.logger == nil { logger.logLevel = .warning }
        let app = try await buildApplication(configuration, storage: storage, logger: logger)
        let result = try await app.test(Self.overTLS ? .ahc(.https) : setup) { client in
            try await body(credentials.map { AuthenticatedClient(base: client, user: $0.user, password: $0.password) } ?? client)
        }
        try storage.metadata.close()
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A test client that sends Basic credentials with every request that has no `Authorization` yet.
struct AuthenticatedClient: TestClientProtocol {
    let base: any TestClientProtocol
    let authorization: String

    init(base: any TestClientProtocol, user: String, password: String) {
        self.base = base
        self.authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = authorization }
        return try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    var port: Int? { base.port }
}

/// Runs `body` with a fresh registry, removing its data afterwards.
func withRegistry<T: Sendable>(
    _ setup: TestingSetup = .live, limits: RegistryLimits = .default, as credentials: (user: String, password: String)? = TestRegistry.admin,
    _ body: @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    let registry = try TestRegistry(limits: limits)
    defer { registry.remove() }
    return try await registry.run(setup, as: credentials, body)
}

func sha256(_ bytes: some DataProtocol) -> String {
    "sha256:" + SHA256.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
}

func sha512(_ bytes: some DataProtocol) -> String {
    "sha512:" + SHA512.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

extension TestResponse {
    /// The first OCI error code of the body.
    var errorCode: String? {
        struct Document: Decodable {
            struct Entry: Decodable { var code: String }
            var errors: [Entry]
        }
        return (try? JSONDecoder().decode(Document.self, from: Data(buffer: body)))?.errors.first?.code
    }

    var bodyBytes: [UInt8] { Array(buffer: body) }

    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(buffer: body))
    }

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}

extension TestClientProtocol {
    /// Uploads a blob with POST + PUT and checks the 201.
    @discardableResult
    func pushBlob(_ bytes: [UInt8], to repository: String) async throws -> String {
        let digest = sha256(bytes)
        let location = try await execute(uri: "/v2/\(repository)/blobs/uploads/", method: .post) { response in
            #expect(response.status == .accepted)
            return try #require(response.header("Location"))
        }
        try await execute(
            uri: "\(location)?digest=\(digest)", method: .put, headers: [.contentType: "application/octet-stream"],
            body: ByteBuffer(bytes: bytes)
        ) { response in
            #expect(response.status == .created, "\(String(buffer: response.body))")
        }
        return digest
    }

    /// Pushes a manifest by `reference` and returns its digest.
    @discardableResult
    func pushManifest(
        _ manifest: [UInt8], to repository: String, reference: String, mediaType: String = MediaType.ociManifest,
        expect status: HTTPResponse.Status = .created
    ) async throws -> String {
        try await execute(
            uri: "/v2/\(repository)/manifests/\(reference)", method: .put, headers: [.contentType: mediaType],
            body: ByteBuffer(bytes: manifest)
        ) { response in
            #expect(response.status == status, "\(String(buffer: response.body))")
        }
        return sha256(manifest)
    }

    /// Pushes a config and a layer and an image manifest referencing them; returns the manifest bytes and digest.
    @discardableResult
    func pushImage(
        to repository: String, tag: String, layer: [UInt8] = randomBytes(512), artifactType: String? = nil,
        subject: (digest: String, size: Int)? = nil, annotations: [String: String]? = nil
    ) async throws -> (manifest: [UInt8], digest: String) {
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let configDigest = try await pushBlob(config, to: repository)
        let layerDigest = try await pushBlob(layer, to: repository)
        let manifest = imageManifest(
            config: (configDigest, config.count), layers: [(layerDigest, layer.count)], artifactType: artifactType,
            subject: subject, annotations: annotations)
        let digest = try await pushManifest(manifest, to: repository, reference: tag)
        return (manifest, digest)
    }
}

/// An OCI image manifest as bytes, built with string interpolation so field order is as written.
func imageManifest(
    config: (digest: String, size: Int), configMediaType: String = MediaType.ociConfig, layers: [(digest: String, size: Int)],
    artifactType: String? = nil, subject: (digest: String, size: Int)? = nil, annotations: [String: String]? = nil
) -> [UInt8] {
    var fields = [
        #""schemaVersion":2"#, #""mediaType":"\#(MediaType.ociManifest)""#,
    ]
    if let artifactType { fields.append(#""artifactType":"\#(artifactType)""#) }
    fields.append(#""config":{"mediaType":"\#(configMediaType)","digest":"\#(config.digest)","size":\#(config.size)}"#)
    let layerList = layers.map { #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#($0.digest)","size":\#($0.size)}"# }
    fields.append(#""layers":[\#(layerList.joined(separator: ","))]"#)
    if let subject {
        fields.append(#""subject":{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(subject.digest)","size":\#(subject.size)}"#)
    }
    if let annotations {
        let pairs = annotations.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }
        fields.append(#""annotations":{\#(pairs.joined(separator: ","))}"#)
    }
    return Array("{\(fields.joined(separator: ","))}".utf8)
}
