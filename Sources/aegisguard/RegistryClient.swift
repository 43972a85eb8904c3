import AegisAuth
import AegisCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The CLI's HTTP side: the management API and pushes, authenticated with the stored login
/// (`aegisguard login`) or, for scripts, `AEGIS_USERNAME` and `AEGIS_PASSWORD` (Basic).
struct RegistryClient {
    let base: String
    private let authorization: String
    private let client = HTTPClient.shared

    /// A client for `registry` with credentials good for `scopes` (Docker token scopes).
    init(registry: String, scopes: [String]) async throws {
        base = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
        let environment = ProcessInfo.processInfo.environment
        if let token = try await RegistryLogin().accessToken(registry: base, scopes: scopes) {
            authorization = "Bearer \(token)"
        } else if let user = environment["AEGIS_USERNAME"], let password = environment["AEGIS_PASSWORD"] {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else {
            throw CLIError("not logged in to \(base): run 'aegisguard login \(base) -u USER' or set AEGIS_USERNAME and AEGIS_PASSWORD")
        }
    }

    /// Sends a request; returns status, headers and body (at most `limit` bytes).
    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: ByteBuffer? = nil, limit: Int = 64 << 20
    ) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(600))
        return (Int(response.status.code), response.headers, try await response.body.collect(upTo: limit))
    }

    /// Sends JSON and decodes JSON, turning an error status into a `CLIError` with the problem's detail.
    func json<T: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable, as type: T.Type) async throws -> (T, HTTPHeaders) {
        let response = try await send(
            method, path, headers: [("Content-Type", "application/json")], body: ByteBuffer(bytes: try JSONEncoder().encode(body)))
        guard (200..<300).contains(response.status) else { throw Self.failure(response.status, response.body) }
        return (try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView)), response.headers)
    }

    /// Uploads a blob unless the repository has it already (monolithic POST with the digest).
    func pushBlob(_ bytes: [UInt8], digest: Digest, to repository: String) async throws {
        let head = try await send(.HEAD, "/v2/\(repository)/blobs/\(digest)")
        if head.status == 200 { return }
        let response = try await send(
            .POST, "/v2/\(repository)/blobs/uploads/?digest=\(digest)", headers: [("Content-Type", "application/octet-stream")],
            body: ByteBuffer(bytes: bytes))
        guard response.status == 201 else { throw Self.failure(response.status, response.body) }
    }

    /// Puts a manifest by tag or digest.
    func pushManifest(_ bytes: [UInt8], mediaType: String, to repository: String, reference: String) async throws {
        let response = try await send(
            .PUT, "/v2/\(repository)/manifests/\(reference)", headers: [("Content-Type", mediaType)], body: ByteBuffer(bytes: bytes))
        guard response.status == 201 else { throw Self.failure(response.status, response.body) }
    }

    /// An error status as a message: problem+json's detail, or the OCI error's message.
    static func failure(_ status: Int, _ body: ByteBuffer) -> CLIError {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        if let detail = object?["detail"] as? String { return CLIError("\(status): \(detail)") }
        if let errors = object?["errors"] as? [[String: Any]], let first = errors.first {
            return CLIError("\(status): \(first["code"] as? String ?? "") \(first["message"] as? String ?? "")")
        }
        return CLIError("the registry answered \(status)")
    }
}

/// A registry reference on the command line: `[REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]`.
struct CLIReference {
    var registry: String
    /// `tenant/repository:tag` or `tenant/repository@digest`, as the API takes it.
    var artifact: String
    var repository: String
    var tenant: String
    /// The tag or digest (`latest` when none).
    var reference: String

    /// - Parameter fallbackRegistry: used when the text names no registry host.
    init(_ text: String, fallbackRegistry: String) throws {
        var rest = Substring(text)
        if let slash = rest.firstIndex(of: "/"), rest[..<slash].contains(where: { $0 == "." || $0 == ":" }) || rest[..<slash] == "localhost" {
            let host = rest[..<slash]
            let loopback = host.hasPrefix("127.") || host.hasPrefix("localhost") || host.hasPrefix("[::1]")
            registry = (loopback ? "http://" : "https://") + host
            rest = rest[rest.index(after: slash)...]
        } else {
            registry = fallbackRegistry
        }
        if let at = rest.firstIndex(of: "@") {
            repository = String(rest[..<at])
            reference = String(rest[rest.index(after: at)...])
        } else if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            repository = String(rest[..<colon])
            reference = String(rest[rest.index(after: colon)...])
        } else {
            repository = String(rest)
            reference = "latest"
        }
        guard let slash = repository.firstIndex(of: "/"), !reference.isEmpty else {
            throw CLIError("'\(text)' is not [REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]")
        }
        tenant = String(repository[..<slash])
        artifact = repository + (reference.contains(":") ? "@" : ":") + reference
    }
}

/// A command-line failure, printed as `error: …`.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
