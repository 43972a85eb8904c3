import AegisAuth
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `aegisguard login`: exchanges a user name and password (or an OIDC access token) for a refresh
/// token at a registry's token endpoint, and keeps it in a credentials file of mode 0600.
public struct RegistryLogin: Sendable {
    /// Where credentials are kept: `$AEGIS_CONFIG_DIR/credentials.json`, else
    /// `~/.config/aegisguard/credentials.json`.
    public let credentialsPath: String
    private let client: HTTPClient

    /// One registry's stored login.
    public struct Entry: Codable, Sendable, Hashable {
        public var username: String
        public var refreshToken: String
        public var service: String
    }

    /// Creates a login helper.
    public init(credentialsPath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment, client: HTTPClient = .registry) {
        let directory =
            environment["AEGIS_CONFIG_DIR"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config/aegisguard")
        self.credentialsPath = credentialsPath ?? (directory as NSString).appendingPathComponent("credentials.json")
        self.client = client
    }

    /// Logs in and stores the refresh token for `registry` (`http://127.0.0.1:5000`).
    /// - Throws: `AuthError.invalidCredentials` when the registry refuses the credentials.
    @discardableResult
    public func login(registry: String, username: String, password: String) async throws -> Entry {
        let base = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
        let (realm, service) = try await challenge(base)
        var request = HTTPClientRequest(url: realm)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = [
            ("grant_type", "password"), ("username", username), ("password", password), ("service", service),
            ("client_id", "aegisguard-cli"), ("access_type", "offline"),
        ]
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(Self.formEscape($0.1))" }.joined(separator: "&")))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard response.status == .ok else {
            throw AuthError(.invalidCredentials, "the registry refused the credentials (\(response.status.code))")
        }
        let document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let refresh = document?["refresh_token"] as? String else {
            throw AuthError(.invalidRequest, "the registry issued no refresh token for this identity (OIDC users log in at their IdP)")
        }
        let entry = Entry(username: username, refreshToken: refresh, service: service)
        var all = try stored()
        all[base] = entry
        try save(all)
        return entry
    }

    /// An access token for `scopes` from the stored login of `registry`, or nil when there is none.
    /// - Throws: `AuthError.invalidCredentials` when the registry refuses the refresh token.
    public func accessToken(registry: String, scopes: [String]) async throws -> String? {
        let base = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
        guard let entry = try stored()[base] else { return nil }
        let (realm, _) = try await challenge(base)
        var request = HTTPClientRequest(url: realm)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = [
            ("grant_type", "refresh_token"), ("refresh_token", entry.refreshToken), ("service", entry.service),
            ("client_id", "aegisguard-cli"), ("scope", scopes.joined(separator: " ")),
        ]
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(Self.formEscape($0.1))" }.joined(separator: "&")))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard response.status == .ok,
            let document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let token = document["access_token"] as? String
        else {
            throw AuthError(.invalidCredentials, "the registry refused the stored login (\(response.status.code)); log in again")
        }
        return token
    }

    /// Forgets a registry's login. - Returns: whether there was one.
    @discardableResult
    public func logout(registry: String) throws -> Bool {
        var all = try stored()
        let removed = all.removeValue(forKey: registry.hasSuffix("/") ? String(registry.dropLast()) : registry) != nil
        try save(all)
        return removed
    }

    /// Stored logins by registry base URL.
    public func stored() throws -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: credentialsPath) else { return [:] }
        return try JSONDecoder().decode([String: Entry].self, from: data)
    }

    private func save(_ all: [String: Entry]) throws {
        let directory = (credentialsPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard FileManager.default.createFile(atPath: credentialsPath, contents: try encoder.encode(all), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        // createFile keeps an existing file's mode: make sure it is private.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentialsPath)
    }

    /// The token realm and service named by the registry's challenge on `GET /v2/`.
    private func challenge(_ base: String) async throws -> (realm: String, service: String) {
        let response = try await client.execute(HTTPClientRequest(url: "\(base)/v2/"), timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard let header = response.headers.first(name: "WWW-Authenticate"), header.hasPrefix("Bearer ") else {
            throw AuthError(.invalidRequest, "\(base) did not answer with a bearer challenge; is it an AegisGuard registry?")
        }
        var parameters: [String: String] = [:]
        for part in header.dropFirst(7).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            parameters[pair[0].trimmingCharacters(in: .whitespaces)] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
        guard let realm = parameters["realm"], let service = parameters["service"] else {
            throw AuthError(.invalidRequest, "the challenge names no realm or service")
        }
        return (realm, service)
    }

    private static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
