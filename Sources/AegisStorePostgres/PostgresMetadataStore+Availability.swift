import AegisCore
import Foundation
import PostgresNIO
import Synchronization

/// While PostgreSQL is unreachable (restarting, failed over, out of connections) every request
/// that needs it is answered 503 UNAVAILABLE with a `Retry-After` within `patience`, instead of
/// waiting for a pooled connection forever or failing with a 500; the pool reconnects by itself
/// once the server is back.
extension PostgresMetadataStore {
    /// How long a request waits for PostgreSQL (a connection and the answer) before it gives up.
    static let patience: Duration = .seconds(patienceSeconds)
    static let patienceSeconds: Int64 = 10

    /// Runs `body` within `patience`, reporting an unreachable or overloaded database as `UNAVAILABLE`.
    /// The caller is answered when the time is up even if `body` does not honour its cancellation
    /// at once (a lease waiting in the pool), so the bound holds whatever the driver does.
    func available<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        let work = Task {
            do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        }
        let timer = Task {
            try await Task.sleep(for: Self.patience)
            outcome.finish(.failure(Self.unavailable("PostgreSQL did not answer within \(Self.patience)")))
            work.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await outcome.value
            } onCancel: {
                work.cancel()
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

/// The first result handed in, to whoever awaits it (once).
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<T, any Error>? in
                    if state.result == nil { state.waiter = continuation }
                    return state.result
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
