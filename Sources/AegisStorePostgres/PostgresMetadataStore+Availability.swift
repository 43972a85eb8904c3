import AegisCore
import Foundation
import PostgresNIO

/// While PostgreSQL is unreachable (restarting, failed over, out of connections) every request
/// that needs it is answered 503 UNAVAILABLE with a `Retry-After` within `patience`, instead of
/// waiting for a pooled connection forever or failing with a 500; the pool reconnects by itself
/// once the server is back.
extension PostgresMetadataStore {
    /// How long a request waits for PostgreSQL (a connection and the answer) before it gives up.
    static let patience: Duration = .seconds(10)

    /// Runs `body` within `patience`, reporting an unreachable or overloaded database as `UNAVAILABLE`.
    func available<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: Self.patience)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw Self.unavailable("PostgreSQL did not answer within \(Self.patience)")
                }
                return value
            }
        } catch let error as PSQLError where Self.isUnavailable(error) {
            throw Self.unavailable("PostgreSQL is unreachable: \(error.code)")
        }
    }

    static func unavailable(_ message: String) -> RegistryError {
        RegistryError(.unavailable, "the metadata store is unavailable; retry later (\(message))", detail: ["retryAfter": "5"])
    }

    /// Failures of the connection or the server's state, not of the statement: worth retrying later.
    /// Connection exceptions (class 08), shutdowns and restarts (57P01–57P03), too many connections (53300).
    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        default:
            return false
        }
    }
}
