import AegisStore
import Logging
import ServiceLifecycle

/// Gas charges waiting to be appended to the ledger.
typealias GasLedgerLog = BatchLog<GasCharge>

/// Appends pending gas charges to the ledger every `interval`, and once more at shutdown. Budgets
/// are enforced from memory (`GasAccounts`), so the batching delays only the ledger's rows.
struct GasLedgerService: Service {
    let log: GasLedgerLog
    let store: any GasLedgerStore
    let interval: Duration
    let logger: Logger

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
        let charges = log.drain()
        do {
            try await store.appendCharges(charges)
        } catch {
            // Kept for the next flush (the last one runs even when the group is cancelled).
            log.restore(charges)
            logger.error("gas charges could not be written yet", metadata: ["count": "\(charges.count)", "error": "\(error)"])
        }
        let dropped = log.takeDropped()
        if dropped > 0 { logger.critical("gas charges dropped: buffer full", metadata: ["count": "\(dropped)"]) }
    }
}
