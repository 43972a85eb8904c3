/// Cloud Carbon Footprint's estimates, applied to what the registry measures. Every figure is in
/// joules or grams, PUE included; GB is 2^30 bytes (as clouds bill memory and storage), TB 2^40.
public struct EnergyModel: Sendable, Hashable {
    public var minWattsPerVCPU: Double
    public var maxWattsPerVCPU: Double
    public var pue: Double
    /// vCPUs provisioned to the registry (their idle draw is counted: SCI includes reserved hardware).
    public var vcpus: Double
    /// vCPUs of the host, for the registry's share of its embodied emissions.
    public var hostVCPUs: Double
    public var embodiedGramsPerServer: Double
    public var storageWhPerTBHour: Double
    public var replicationFactor: Double
    public var crossRegionFraction: Double

    public init(
        minWattsPerVCPU: Double, maxWattsPerVCPU: Double, pue: Double, vcpus: Double, hostVCPUs: Double, embodiedGramsPerServer: Double,
        storageWhPerTBHour: Double, replicationFactor: Double, crossRegionFraction: Double
    ) {
        self.minWattsPerVCPU = minWattsPerVCPU
        self.maxWattsPerVCPU = maxWattsPerVCPU
        self.pue = pue
        self.vcpus = vcpus
        self.hostVCPUs = hostVCPUs
        self.embodiedGramsPerServer = embodiedGramsPerServer
        self.storageWhPerTBHour = storageWhPerTBHour
        self.replicationFactor = replicationFactor
        self.crossRegionFraction = crossRegionFraction
    }

    /// The model `settings` describe.
    /// - Parameters:
    ///   - objectStorage: Whether blobs are in S3 (its replication factor applies by default).
    ///   - cores: The machine's cores, when `vcpus` is not set.
    /// - Throws: `CarbonSettingsError` for an unknown cloud, processor or storage class.
    public init(_ settings: CarbonSettings, objectStorage: Bool, cores: Int) throws {
        guard let cloud = CloudCarbonFootprint.cloud(named: settings.cloud) else {
            throw CarbonSettingsError("carbon.cloud must be one of aws, gcp, azure")
        }
        var watts = (min: cloud.minWattsPerVCPU, max: cloud.maxWattsPerVCPU)
        if let processor = settings.processor {
            guard let known = CloudCarbonFootprint.processors[processor] else {
                throw CarbonSettingsError(
                    "carbon.processor must be one of \(CloudCarbonFootprint.processors.keys.sorted().joined(separator: ", "))")
            }
            watts = known
        }
        let storage: Double
        switch settings.storageClass {
        case "ssd": storage = CloudCarbonFootprint.ssdWhPerTBHour
        case "hdd": storage = CloudCarbonFootprint.hddWhPerTBHour
        default: throw CarbonSettingsError("carbon.storage_class must be ssd or hdd")
        }
        let vcpus = Double(settings.vcpus ?? max(1, cores))
        self.init(
            minWattsPerVCPU: watts.min, maxWattsPerVCPU: watts.max, pue: settings.pue ?? cloud.pue, vcpus: vcpus,
            hostVCPUs: max(vcpus, Double(settings.hostVCPUs ?? Int(vcpus))), embodiedGramsPerServer: settings.embodiedKgPerServer * 1000,
            storageWhPerTBHour: storage, replicationFactor: settings.replicationFactor ?? (objectStorage ? cloud.objectStorageReplication : 1),
            crossRegionFraction: settings.crossRegionFraction)
    }

    static let joulesPerKWh = 3_600_000.0
    static let gigabyte = 1_073_741_824.0
    static let terabyte = 1_099_511_627_776.0

    /// What the registry's vCPUs draw over `seconds` with `cpuSeconds` of them busy: CCF's
    /// `vCPUs × (min + u × (max − min)) × hours × PUE` with `u = cpuSeconds / (vCPUs × seconds)`,
    /// capped at 1. Split as the draw at idle (`vCPUs × min`, there whether or not anything runs)
    /// and the draw of the busy seconds (`cpuSeconds × (max − min)`).
    public func computeJoules(cpuSeconds: Double, seconds: Double) -> (idle: Double, busy: Double) {
        let busy = min(max(cpuSeconds, 0), vcpus * seconds)
        return (vcpus * seconds * minWattsPerVCPU * pue, busy * (maxWattsPerVCPU - minWattsPerVCPU) * pue)
    }

    /// Memory resident for `seconds`: GB-hours × 0.000392 kWh.
    public func memoryJoules(bytes: Int64, seconds: Double) -> Double {
        Double(bytes) / Self.gigabyte * seconds / 3600 * CloudCarbonFootprint.memoryKWhPerGBHour * Self.joulesPerKWh * pue
    }

    /// Bytes stored for `seconds`: TB-hours × the SSD or HDD coefficient × the replication factor.
    public func storageJoules(bytes: Int64, seconds: Double) -> Double {
        Double(bytes) / Self.terabyte * seconds / 3600 * storageWhPerTBHour * 3600 * replicationFactor * pue
    }

    /// Bytes moved: the share that crosses regions × 0.001 kWh per GB.
    public func networkJoules(bytes: Int64) -> Double {
        Double(bytes) / Self.gigabyte * crossRegionFraction * CloudCarbonFootprint.networkKWhPerGB * Self.joulesPerKWh * pue
    }

    /// The registry's share of its host's embodied emissions over `seconds` (SCI's
    /// `M = TE × (TiR / EL) × (RR / ToR)`).
    public func embodiedGrams(seconds: Double) -> Double {
        embodiedGramsPerServer * (seconds / 3600 / CloudCarbonFootprint.serverLifespanHours) * (vcpus / hostVCPUs)
    }

    /// Operational emissions of `joules` at `intensity` gCO2e/kWh.
    public static func grams(joules: Double, intensity: Double) -> Double {
        joules / joulesPerKWh * intensity
    }
}

/// A `[carbon]` setting that cannot be used.
public struct CarbonSettingsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
