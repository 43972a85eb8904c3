import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// How `serve` ends: the exit statuses a supervisor (systemd, Kubernetes) sees.
public enum ServeExit {
    /// A graceful stop: the first SIGTERM or SIGINT stops accepting connections, lets requests in
    /// flight finish and writes what the background services buffered (ledger rows, run records,
    /// audit records); then `serve` exits 0.
    public static let graceful: Int32 = 0
    /// A second SIGTERM or SIGINT during the drain ends the process at once with 128 + the signal's
    /// number (143 for SIGTERM, 130 for SIGINT), the status of a process killed by that signal.
    public static func forced(by signal: Int32) -> Int32 { 128 + signal }
}

/// Runs the application until it is stopped (see `ServeExit`).
/// - Parameters:
///   - grace: The longest a graceful stop may drain before what is left is cancelled.
public func runUntilStopped(_ application: some ApplicationProtocol, grace: Duration, logger: Logger) async throws {
    var configuration = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = grace
    let group = ServiceGroup(configuration: configuration)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        tasks.addTask {
            // The group takes the first signal; the second one means "now".
            var seen = 0
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                seen += 1
                guard seen >= 2 else { continue }
                logger.warning("second stop signal: exiting without draining", metadata: ["signal": "\(signal)"])
                exit(ServeExit.forced(by: signal.rawValue))
            }
        }
        try await tasks.next()
        tasks.cancelAll()
    }
}
