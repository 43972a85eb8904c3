import AegisGas
import AegisStore
import Foundation
import Logging
import ServiceLifecycle

/// Ends a fee-market interval every `interval`: moves the base fee and keeps its history (90 days).
struct FeeMarketService: Service {
    let market: FeeMarket
    let store: any GasLedgerStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let (used, baseFee) = market.advance()
                do {
                    try await store.appendPrice(GasPricePoint(time: Date(), baseFee: baseFee, gasUsed: used))
                    if ContinuousClock.now - lastPrune >= .seconds(3600) {
                        try await store.prunePrices(olderThan: Date().addingTimeInterval(-90 * 86400))
                        lastPrune = ContinuousClock.now
                    }
                } catch {
                    logger.error("gas price history could not be written", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
