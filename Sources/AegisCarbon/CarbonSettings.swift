/// The `[carbon]` configuration: where the registry runs and how its energy is estimated. Every
/// default is Cloud Carbon Footprint's (see `CloudCarbonFootprint`).
public struct CarbonSettings: Sendable, Hashable {
    /// Whether energy and emissions are accounted (a ledger row per metered request).
    public var enabled = true
    /// `aws`, `gcp` or `azure`: whose watts per vCPU, PUE and grid factors apply.
    public var cloud = "aws"
    /// The cloud region (`us-east-1`); nil takes the mean of the cloud's regional factors.
    public var region: String?
    /// A processor micro-architecture of `CloudCarbonFootprint.processors`; nil takes the cloud's average.
    public var processor: String?
    /// vCPUs provisioned to the registry; nil counts the machine's cores.
    public var vcpus: Int?
    /// vCPUs of the host those are a share of (SCI's total resources, for embodied emissions); nil: the same as `vcpus`.
    public var hostVCPUs: Int?
    /// Power usage effectiveness; nil takes the cloud's.
    public var pue: Double?
    /// Copies the storage keeps of every byte; nil: 1 for local files, the cloud's object-storage factor for S3.
    public var replicationFactor: Double?
    /// `ssd` or `hdd`: the storage coefficient.
    public var storageClass = "ssd"
    /// Embodied emissions of the host, kgCO2e over its 4-year life.
    public var embodiedKgPerServer = CloudCarbonFootprint.baseServerEmbodiedKg
    /// Share of the bytes served and received that cross regions (CCF counts only those); 0 to 1.
    public var crossRegionFraction = 0.0
    /// Seconds per accounting interval: process CPU is measured and attributed this often.
    public var intervalSeconds = 1
    /// A Carbon Aware SDK web API (`…/emissions/bylocation`, `…/emissions/forecasts/current`) for live intensity.
    public var intensityURL: String?
    /// A Carbon Aware SDK forecast JSON file, read instead of (or when there is no) `intensityURL`.
    public var forecastFile: String?
    /// The location the intensity source knows; nil: the region.
    public var location: String?
    /// Seconds a live reading is kept before it is read again.
    public var intensityRefreshSeconds = 300
    /// `ccf` (the model) or `rapl` (the host's package energy counters, attributed by CPU share).
    public var energySource = "ccf"
    /// Where the RAPL counters are.
    public var raplPath = "/sys/class/powercap"
    /// Locations deferrable runs may be sent to (nodes run those of their own `location`); empty: this node's only.
    public var schedulerRegions: [String] = []
    /// Seconds between looks for deferred runs whose slot has come.
    public var schedulerIntervalSeconds = 10

    /// The location this node's intensity is read for, and whose deferred runs it starts.
    public var home: String { location ?? region ?? cloud }

    public init() {}
}
