/// Cloud Carbon Footprint's coefficients, pinned as its code has them: github.com/cloud-carbon-footprint/cloud-carbon-footprint
/// at b7a049c7 (2024-03-25), `packages/{aws,gcp,azure}/src/domain/*FootprintEstimationConstants.ts` and
/// `packages/core/src/FootprintEstimationConstants.ts`. Where the methodology page and the code
/// disagree (GCP's and Azure's watts, Azure's PUE), these are the code's. docs/CARBON.md lists each
/// with its source.
public enum CloudCarbonFootprint {
    /// Where every coefficient here comes from.
    public static let source = "Cloud Carbon Footprint b7a049c7 (2024-03-25)"

    /// A cloud's averages: watts per vCPU at idle and at full load (SPECpower, per
    /// micro-architecture, averaged or, for GCP, the median), PUE, the grid intensity CCF uses
    /// for a region it does not know, and the replication factor of its object storage.
    public struct Cloud: Sendable, Hashable {
        public var name: String
        public var minWattsPerVCPU: Double
        public var maxWattsPerVCPU: Double
        public var pue: Double
        /// gCO2e per kWh: the mean of CCF's regional factors for the cloud.
        public var unknownRegionIntensity: Double
        /// CCF's replication factor for the cloud's object storage (S3 6, Cloud Storage 2, Storage LRS 3).
        public var objectStorageReplication: Double
    }

    public static let aws = Cloud(
        name: "aws", minWattsPerVCPU: 0.74, maxWattsPerVCPU: 3.5, pue: 1.135, unknownRegionIntensity: 392.78, objectStorageReplication: 6)
    public static let gcp = Cloud(
        name: "gcp", minWattsPerVCPU: 0.68, maxWattsPerVCPU: 4.11, pue: 1.1, unknownRegionIntensity: 317.15, objectStorageReplication: 2)
    public static let azure = Cloud(
        name: "azure", minWattsPerVCPU: 0.74, maxWattsPerVCPU: 3.54, pue: 1.185, unknownRegionIntensity: 351.28,
        objectStorageReplication: 3)
    public static let clouds = [aws, gcp, azure]

    /// Watts per vCPU (idle, full load) by processor micro-architecture (CCF's AWS table; a
    /// micro-architecture draws the same on any cloud). Graviton2 has no published figures: CCF
    /// uses EPYC 2nd generation's.
    public static let processors: [String: (min: Double, max: Double)] = [
        "cascade-lake": (0.64, 3.97), "skylake": (0.65, 4.26), "broadwell": (0.71, 3.69), "haswell": (1.00, 4.74),
        "coffee-lake": (1.14, 5.42), "sandy-bridge": (2.17, 8.58), "ivy-bridge": (3.04, 8.25), "epyc-1": (0.82, 2.55),
        "epyc-2": (0.47, 1.69), "graviton2": (0.47, 1.69),
    ]

    /// kWh per GB-hour of memory (the mean of 0.375 W/GB and Micron's 0.4083 W/GB).
    public static let memoryKWhPerGBHour = 0.000392
    /// Wh per TB-hour stored: 6.5 W per 10 TB HDD, 6 W per 5 TB SSD.
    public static let hddWhPerTBHour = 0.65
    public static let ssdWhPerTBHour = 1.2
    /// kWh per GB moved between regions (traffic within a data centre counts as 0).
    public static let networkKWhPerGB = 0.001
    /// A server's expected lifespan for embodied emissions: 4 years.
    public static let serverLifespanHours = 35_040.0
    /// Embodied emissions of a base server (Dell R740 life-cycle assessment), kgCO2e, before
    /// CCF's additions for memory, storage and GPUs (an m5 host totals 1,610.79).
    public static let baseServerEmbodiedKg = 1000.0

    /// Grid intensity by region, gCO2e/kWh (CCF's factors: EPA eGRID2020 by NERC region for the
    /// US, EEA for Europe, carbonfootprint.com 2021 elsewhere, Google's published factors for GCP).
    public static let regionIntensity: [String: [String: Double]] = [
        "aws": [
            "us-east-1": 379.069, "us-east-2": 410.608, "us-west-1": 322.167, "us-west-2": 322.167, "eu-central-1": 311,
            "eu-west-1": 278.6, "eu-west-3": 51.1, "eu-north-1": 8.8, "ap-south-1": 708.2, "ap-southeast-2": 760, "ca-central-1": 120,
        ],
        "gcp": [
            "us-central1": 456, "us-east1": 434, "us-west1": 60, "europe-west1": 110, "europe-west4": 283, "europe-north1": 127,
            "asia-south1": 670,
        ],
        "azure": ["swedencentral": 5.67, "westeurope": 328.4, "uksouth": 225],
    ]

    /// The cloud named `name` (`aws`, `gcp`, `azure`).
    public static func cloud(named name: String) -> Cloud? { clouds.first { $0.name == name } }
}
