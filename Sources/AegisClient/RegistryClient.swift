import AegisCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of an AegisGuard registry (the CLI's `run` and `app` commands; replication later):
/// the management API and OCI pushes, authenticated with the stored login (`RegistryLogin`) or,
/// for scripts, `AEGIS_USERNAME` and `AEGIS_PASSWORD` (Basic).
public struct RegistryClient: Sendable {
    public let base: String
    private let authorization: String
    private let client: HTTPClient

    /// A client for `registry` with credentials good for `scopes` (Docker token scopes).
    /// - Throws: `RegistryClientError` when there are no credentials for it.
    public init(
        registry: String, scopes: [String], login: RegistryLogin = RegistryLogin(),
        environment: [String: String] = ProcessInfo.processInfo.environment, client: HTTPClient = .registry
    ) async throws {
        base = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
        self.client = client
        if let token = try await login.accessToken(registry: base, scopes: scopes) {
            authorization = "Bearer \(token)"
        } else if let user = environment["AEGIS_USERNAME"], let password = environment["AEGIS_PASSWORD"] {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else {
            throw RegistryClientError(
                "not logged in to \(base): run 'aegisguard login \(base) -u USER' or set AEGIS_USERNAME and AEGIS_PASSWORD")
        }
    }

    /// Sends a request; returns status, headers and body (at most `limit` bytes).
    /// - Throws: `RegistryClientError` when the registry cannot be reached.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: ByteBuffer? = nil, limit: Int = 64 << 20
    ) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        do {
            let response = try await client.execute(request, timeout: .seconds(600))
            return (Int(response.status.code), response.headers, try await response.body.collect(upTo: limit))
        } catch let error as HTTPClientError {
            throw RegistryClientError("cannot talk to \(base): \(error)")
        } catch let error as IOError {
            throw RegistryClientError("cannot reach \(base): \(error.description)")
        }
    }

    /// Sends JSON and decodes JSON. - Throws: `RegistryClientError` with the problem's detail for an error status.
    public func json<T: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable, as type: T.Type) async throws -> (
        T, HTTPHeaders
    ) {
        let response = try await send(
            method, path, headers: [("Content-Type", "application/json")], body: ByteBuffer(bytes: try JSONEncoder().encode(body)))
        guard (200..<300).contains(response.status) else { throw RegistryClientError(status: response.status, body: response.body) }
        return (try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView)), response.headers)
    }

    /// Uploads a blob unless the repository has it already (monolithic POST with the digest).
    public func pushBlob(_ bytes: [UInt8], digest: Digest, to repository: RepositoryName) async throws {
        let head = try await send(.HEAD, "/v2/\(repository)/blobs/\(digest)")
        if head.status == 200 { return }
        let response = try await send(
            .POST, "/v2/\(repository)/blobs/uploads/?digest=\(digest)", headers: [("Content-Type", "application/octet-stream")],
            body: ByteBuffer(bytes: bytes))
        guard response.status == 201 else { throw RegistryClientError(status: response.status, body: response.body) }
    }

    /// Puts a manifest by tag or digest.
    public func pushManifest(_ bytes: [UInt8], mediaType: String, to repository: RepositoryName, reference: String) async throws {
        let response = try await send(
            .PUT, "/v2/\(repository)/manifests/\(reference)", headers: [("Content-Type", mediaType)], body: ByteBuffer(bytes: bytes))
        guard response.status == 201 else { throw RegistryClientError(status: response.status, body: response.body) }
    }
}

/// A registry's refusal or a client-side failure, as one line for people.
public struct RegistryClientError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// An error status as a message: problem+json's detail, or the first OCI error's code and message.
    public init(status: Int, body: ByteBuffer) {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        if let detail = object?["detail"] as? String {
            description = "\(status): \(detail)"
        } else if let errors = object?["errors"] as? [[String: Any]], let first = errors.first {
            description = "\(status): \(first["code"] as? String ?? "") \(first["message"] as? String ?? "")"
        } else {
            description = "the registry answered \(status)"
        }
    }
}

extension HTTPClient {
    /// The client's connections: a registry that refuses or does not answer fails the request
    /// within 5 s (the shared client keeps retrying a refused connection for 90 s).
    public static let registry = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: Configuration(timeout: Configuration.Timeout(connect: .seconds(5))))
}
