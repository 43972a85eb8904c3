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
        await flush()
    }

    func flush() async {
        let charges = log.drain()
        do {
            try await store.appendCharges(charges)
        } catch {
            logger.critical("gas charges could not be written", metadata: ["count": "\(charges.count)", "error": "\(error)"])
        }
        let dropped = log.takeDropped()
        if dropped > 0 { logger.critical("gas charges dropped: buffer full", metadata: ["count": "\(dropped)"]) }
    }
}
