import AegisOperations
import AegisStore
import Logging
import ServiceLifecycle

/// Writes what a `BatchLog` collected every `interval`, and once more at shutdown: the gas ledger
/// and the run records take a row per request, so they are written in batches, never on the
/// request path. Budgets are enforced from memory (`GasAccounts`), so batching delays only rows.
struct BatchWriterService<Element: Sendable>: Service {
    let log: BatchLog<Element>
    /// What the elements are, for the log (`gas charges`).
    let name: String
    let interval: Duration
    let logger: Logger
    let write: @Sendable ([Element]) async throws -> Void

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await flush()
                try await Task.sleep(for: interval)
            }
        }
        // The group cancels its services on shutdown, and a cancelled task cannot write to the
        // database; the last flush runs in a task of its own so that nothing pending is lost.
        await Task.detached { await flush() }.value
    }

    func flush() async {
        let elements = log.drain()
        guard !elements.isEmpty else { return }
        do {
            try await write(elements)
        } catch {
            // Kept for the next flush (the last one runs even when the group is cancelled).
            log.restore(elements)
            logger.error("\(name) could not be written yet", metadata: ["count": "\(elements.count)", "error": "\(error)"])
        }
        let dropped = log.takeDropped()
        if dropped > 0 { logger.critical("\(name) dropped: buffer full", metadata: ["count": "\(dropped)"]) }
    }
}
