import Foundation

/// Where a PostgreSQL metadata store lives, parsed from `postgres://user:password@host:port/database`.
///
/// Query parameters: `schema` (the schema the tables live in, created when missing; default
/// `public`), `sslmode` (`disable`, the default on loopback, `prefer` or `require`) and
/// `pool_size` (connections per node, default 16).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var schema: String?
    public var tls: TLSMode
    public var poolSize: Int

    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    /// - Throws: `PostgresStoreError.invalidURL` naming what is wrong.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased())
        else { throw PostgresStoreError(.invalidURL, "metadata URL '\(Self.redacted(text))' is not postgres://user:password@host:port/database") }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresStoreError(.invalidURL, "metadata URL '\(Self.redacted(text))' names no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresStoreError(.invalidURL, "metadata URL '\(Self.redacted(text))' names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresStoreError(.invalidURL, "metadata URL '\(Self.redacted(text))' names no database (…/database)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.schema = nil
        self.tls = Self.isLoopback(host) ? .disable : .prefer
        self.poolSize = 16
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "schema":
                guard Self.isIdentifier(value) else {
                    throw PostgresStoreError(.invalidURL, "schema '\(value)' must be letters, digits and _ (at most 63), not starting with a digit")
                }
                schema = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresStoreError(.invalidURL, "sslmode '\(value)' is not disable, prefer or require")
                }
                tls = mode
            case "pool_size":
                guard let size = Int(value), (1...256).contains(size) else {
                    throw PostgresStoreError(.invalidURL, "pool_size '\(value)' is not a number from 1 to 256")
                }
                poolSize = size
            default:
                throw PostgresStoreError(.invalidURL, "unknown metadata URL parameter '\(item.name)' (schema, sslmode, pool_size)")
            }
        }
    }

    /// The URL without its password, for logs and errors.
    public var description: String {
        let credentials = password == nil ? username : "\(username):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "")
    }

    /// A plain identifier, safe to splice into DDL.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 63, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    private static func isLoopback(_ host: String) -> Bool {
        ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
