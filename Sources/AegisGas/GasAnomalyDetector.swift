import AegisCore
import Foundation
import Synchronization

/// Flags a tenant whose gas use in an interval is far above its own recent rate: an exponentially
/// weighted mean and variance per tenant (α = `smoothing`), and a z-score threshold. A few quiet
/// intervals of warm-up and a minimum amount keep small or new tenants from tripping it.
public final class GasAnomalyDetector: Sendable {
    /// One flagged interval.
    public struct Anomaly: Sendable, Hashable {
        public var tenant: TenantID
        public var observed: UInt64
        public var mean: Double
        public var zScore: Double
    }

    private struct Statistics {
        var mean: Double
        var variance: Double
        var samples: Int
    }

    public let smoothing: Double
    public let threshold: Double
    public let warmup: Int
    public let minimumGas: UInt64
    private let statistics = Mutex<[TenantID: Statistics]>([:])

    /// Creates a detector.
    public init(smoothing: Double = 0.2, threshold: Double = 4, warmup: Int = 6, minimumGas: UInt64 = 100_000) {
        self.smoothing = smoothing
        self.threshold = threshold
        self.warmup = warmup
        self.minimumGas = minimumGas
    }

    /// Feeds one interval's gas per tenant (tenants seen before and absent now count as zero).
    /// - Returns: the tenants whose use is anomalous.
    public func observe(_ usage: [TenantID: UInt64]) -> [Anomaly] {
        statistics.withLock { statistics in
            var anomalies: [Anomaly] = []
            for tenant in Set(statistics.keys).union(usage.keys) {
                let value = Double(usage[tenant] ?? 0)
                guard var stats = statistics[tenant] else {
                    statistics[tenant] = Statistics(mean: value, variance: 0, samples: 1)
                    continue
                }
                // A floor on the deviation: a perfectly steady tenant must not alarm on a tiny change.
                let deviation = max(stats.variance.squareRoot(), stats.mean * 0.1, 1)
                let z = (value - stats.mean) / deviation
                if stats.samples >= warmup, z >= threshold, UInt64(value) >= minimumGas {
                    anomalies.append(Anomaly(tenant: tenant, observed: UInt64(value), mean: stats.mean, zScore: z))
                }
                let difference = value - stats.mean
                stats.mean += smoothing * difference
                stats.variance = (1 - smoothing) * (stats.variance + smoothing * difference * difference)
                stats.samples += 1
                statistics[tenant] = stats
            }
            return anomalies.sorted { $0.tenant < $1.tenant }
        }
    }
}
