import Logging

/// Writes what a `BatchLog` collected (gas charges, run records, audit records): rows that every
/// request adds are written in batches, never on the request path. Budgets are enforced from
/// memory (`GasAccounts`), so batching delays only rows.
public struct BatchWriter<Element: Sendable>: Sendable {
    public let log: BatchLog<Element>
    /// What the elements are, for the log (`gas charges`).
    let name: String
    let logger: Logger
    let write: @Sendable ([Element]) async throws -> Void

    public init(_ log: BatchLog<Element>, name: String, logger: Logger, write: @escaping @Sendable ([Element]) async throws -> Void) {
        self.log = log
        self.name = name
        self.logger = logger
        self.write = write
    }

    /// Writes what is pending; on failure keeps it for the next flush.
    public func flush() async {
        let elements = log.drain()
        guard !elements.isEmpty else { return }
        do {
            try await write(elements)
        } catch {
            log.restore(elements)
            logger.error("\(name) could not be written yet", metadata: ["count": "\(elements.count)", "error": "\(error)"])
        }
        let dropped = log.takeDropped()
        if dropped > 0 { logger.critical("\(name) dropped: buffer full", metadata: ["count": "\(dropped)"]) }
    }
}
