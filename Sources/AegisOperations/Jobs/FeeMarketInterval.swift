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

    /// Ends the interval of a node alone: from the gas it counted itself.
    public func end(now: Date = Date()) async {
        let (used, baseFee) = metering.feeMarket.advance()
        for anomaly in detector.observe(metering.accounts.drainIntervalUsage()) { report(anomaly, now: now) }
        do {
            try await record(GasPricePoint(time: now, baseFee: baseFee, gasUsed: used), now: now)
        } catch {
            logger.error("gas price history could not be written", metadata: ["error": "\(error)"])
        }
    }

    /// How far the ledger may lag behind the requests: each node writes its charges every 250 ms.
    static let ledgerLag: TimeInterval = 1

    /// Ends the interval for a whole cluster, on its leader: the gas every node charged in the
    /// interval (read from the shared ledger, `ledgerLag` behind) moves the base fee from the last
    /// one stored, so a new leader carries on where the old one stopped.
    public func endAsLeader(interval: TimeInterval, now: Date = Date()) async {
        _ = metering.accounts.drainIntervalUsage()
        do {
            let end = now.addingTimeInterval(-Self.ledgerLag)
            let byTenant = try await store.gasUsedByTenant(from: end.addingTimeInterval(-interval), to: end)
            let used = byTenant.values.reduce(UInt64(0)) { $0.addingReportingOverflow($1).partialValue }
            let parent = try await store.prices(limit: 1).first?.baseFee ?? metering.feeMarket.baseFee
            let baseFee = metering.feeMarket.next(parent: parent, gasUsed: used)
            metering.feeMarket.adopt(baseFee)
            for anomaly in detector.observe(byTenant) { report(anomaly, now: now) }
            try await record(GasPricePoint(time: now, baseFee: baseFee, gasUsed: used), now: now)
        } catch {
            logger.error("the cluster's fee-market interval could not be ended", metadata: ["error": "\(error)"])
        }
    }

    /// Takes the base fee the cluster's leader stored last.
    public func follow() async {
        _ = metering.accounts.drainIntervalUsage()
        do {
            if let latest = try await store.prices(limit: 1).first { metering.feeMarket.adopt(latest.baseFee) }
        } catch {
            logger.warning("the cluster's base fee could not be read", metadata: ["error": "\(error)"])
        }
    }

    private func record(_ point: GasPricePoint, now: Date) async throws {
        try await store.appendPrice(point)
        let due = lastPrune.withLock { last in
            guard now.timeIntervalSince(last) >= 3600 else { return false }
            last = now
            return true
        }
        if due { try await store.prunePrices(olderThan: now.addingTimeInterval(-90 * 86400)) }
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
