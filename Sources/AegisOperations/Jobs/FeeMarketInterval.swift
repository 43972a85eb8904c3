import AegisCore
import AegisGas
import AegisStore
import Foundation
import Logging
import Synchronization

/// Ends a fee-market interval: moves the base fee, keeps its history (90 days, pruned hourly),
/// and feeds each tenant's gas for the interval to the anomaly detector, which reports spikes in
/// the log, the observer (metrics) and the audit log.
public final class FeeMarketInterval: Sendable {
    let metering: Metering
    let detector: GasAnomalyDetector
    let audit: AuditLog
    let store: any GasLedgerStore
    let observer: any UsageObserver
    let logger: Logger
    private let lastPrune = Mutex<Date>(.distantPast)

    public init(
        metering: Metering, detector: GasAnomalyDetector, audit: AuditLog, store: any GasLedgerStore, observer: any UsageObserver, logger: Logger
    ) {
        self.metering = metering
        self.detector = detector
        self.audit = audit
        self.store = store
        self.observer = observer
        self.logger = logger
    }

    public func end(now: Date = Date()) async {
        let (used, baseFee) = metering.feeMarket.advance()
        for anomaly in detector.observe(metering.accounts.drainIntervalUsage()) { report(anomaly, now: now) }
        do {
            try await store.appendPrice(GasPricePoint(time: now, baseFee: baseFee, gasUsed: used))
            let due = lastPrune.withLock { last in
                guard now.timeIntervalSince(last) >= 3600 else { return false }
                last = now
                return true
            }
            if due { try await store.prunePrices(olderThan: now.addingTimeInterval(-90 * 86400)) }
        } catch {
            logger.error("gas price history could not be written", metadata: ["error": "\(error)"])
        }
    }

    private func report(_ anomaly: GasAnomalyDetector.Anomaly, now: Date) {
        let reason = String(
            format: "gas in one interval %llu is %.1f standard deviations above the tenant's mean of %.0f", anomaly.observed, anomaly.zScore,
            anomaly.mean)
        logger.warning("gas anomaly", metadata: ["tenant": "\(anomaly.tenant)", "reason": "\(reason)"])
        observer.observeAnomaly(tenant: anomaly.tenant)
        audit.record(
            AuditRecord(
                time: now, requestID: "fee-market", principal: "system", tenant: anomaly.tenant.value, action: "gas.anomaly",
                resource: "tenant:\(anomaly.tenant)", allowed: true, reason: reason))
    }
}
