import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import Logging
import ServiceLifecycle

/// Ends a fee-market interval every `interval`: moves the base fee, keeps its history (90 days),
/// and feeds each tenant's gas for the interval to the anomaly detector, which reports spikes in
/// the log, the metrics and the audit log.
struct FeeMarketService: Service {
    let market: FeeMarket
    let metering: Metering
    let observer: RegistryMetrics
    let detector: GasAnomalyDetector
    let audit: AuditLog
    let store: any GasLedgerStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let (used, baseFee) = market.advance()
                for anomaly in detector.observe(metering.accounts.drainIntervalUsage()) {
                    report(anomaly)
                }
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

    private func report(_ anomaly: GasAnomalyDetector.Anomaly) {
        let reason = String(
            format: "gas in one interval %llu is %.1f standard deviations above the tenant's mean of %.0f", anomaly.observed, anomaly.zScore,
            anomaly.mean)
        logger.warning("gas anomaly", metadata: ["tenant": "\(anomaly.tenant)", "reason": "\(reason)"])
        observer.gasAnomaly(tenant: anomaly.tenant)
        audit.record(
            AuditRecord(
                time: Date(), requestID: "fee-market", principal: "system", tenant: anomaly.tenant.value, action: "gas.anomaly",
                resource: "tenant:\(anomaly.tenant)", allowed: true, reason: reason))
    }
}
