import AegisCarbon
import Foundation
import Testing

/// The model against hand computations from Cloud Carbon Footprint's published coefficients,
/// written out here rather than taken from the code's constants.
@Suite struct EnergyModelTests {
    func model(_ change: (inout CarbonSettings) -> Void = { _ in }) throws -> EnergyModel {
        var settings = CarbonSettings()
        settings.vcpus = 1
        change(&settings)
        return try EnergyModel(settings, objectStorage: false, cores: 8)
    }

    /// CCF: one AWS vCPU-hour at 20 % is (0.74 + 0.2 × (3.5 − 0.74)) W × 1.135 = 1.466 Wh.
    @Test func computeIsCCFsAverageWattsTimesVCPUHours() throws {
        let (idle, busy) = try model().computeJoules(cpuSeconds: 720, seconds: 3600)
        #expect(abs(idle - 0.74 * 3600 * 1.135) < 1e-9)
        #expect(abs(busy - 720 * (3.5 - 0.74) * 1.135) < 1e-9)
        #expect(abs((idle + busy) / 3600 - 1.466) < 0.001)
        // Busy time beyond the provisioned vCPUs counts as full load, not more.
        let capped = try model().computeJoules(cpuSeconds: 7200, seconds: 3600)
        #expect(abs(capped.busy - 3600 * (3.5 - 0.74) * 1.135) < 1e-9)
    }

    @Test func otherCloudsAndProcessorsTakeTheirOwnWattsAndPUE() throws {
        let gcp = try model { $0.cloud = "gcp" }.computeJoules(cpuSeconds: 1, seconds: 1)
        #expect(abs(gcp.idle - 0.68 * 1.1) < 1e-12 && abs(gcp.busy - (4.11 - 0.68) * 1.1) < 1e-12)
        let azure = try model { $0.cloud = "azure" }.computeJoules(cpuSeconds: 1, seconds: 1)
        #expect(abs(azure.idle - 0.74 * 1.185) < 1e-12 && abs(azure.busy - (3.54 - 0.74) * 1.185) < 1e-12)
        let epyc = try model { $0.processor = "epyc-2" }.computeJoules(cpuSeconds: 1, seconds: 1)
        #expect(abs(epyc.idle - 0.47 * 1.135) < 1e-12 && abs(epyc.busy - (1.69 - 0.47) * 1.135) < 1e-12)
    }

    /// 4 GB-hours: 4 × 0.000392 kWh × 1.135.
    @Test func memoryIsGBHoursTimesCCFsCoefficient() throws {
        let joules = try model().memoryJoules(bytes: 4 << 30, seconds: 3600)
        #expect(abs(joules - 4 * 0.000392 * 1.135 * 3_600_000) < 1e-6)
    }

    /// CCF's worked figure: 1 TB-month on HDD with ECR's replication factor 3 is 0.65 × 730 × 3 × 1.135 Wh = 1.616 kWh.
    @Test func storageIsTBHoursTimesTheCoefficientAndReplication() throws {
        let hdd = try model {
            $0.storageClass = "hdd"
            $0.replicationFactor = 3
        }
        let joules = hdd.storageJoules(bytes: 1 << 40, seconds: 730 * 3600)
        #expect(abs(joules - 0.65 * 730 * 3 * 1.135 * 3600) < 1e-6)
        #expect(abs(joules / 3_600_000 - 1.616) < 0.001)
        let ssd = try model().storageJoules(bytes: 1 << 40, seconds: 3600)
        #expect(abs(ssd - 1.2 * 1.135 * 3600) < 1e-9)
        // S3 keeps six copies by default (CCF's replication factor), local files one.
        let s3 = try EnergyModel(CarbonSettings(), objectStorage: true, cores: 1)
        #expect(s3.replicationFactor == 6)
    }

    /// Only bytes crossing regions count: 0.5 GB × 0.001 kWh/GB × 1.135, half of which crosses.
    @Test func networkCountsTheShareCrossingRegions() throws {
        #expect(try model().networkJoules(bytes: 1 << 29) == 0)
        let joules = try model { $0.crossRegionFraction = 0.5 }.networkJoules(bytes: 1 << 29)
        #expect(abs(joules - 0.5 * 0.5 * 0.001 * 1.135 * 3_600_000) < 1e-9)
    }

    /// CCF's m5.large: 1,610.79 kg over 35,040 h, 2 of 96 vCPUs, about 0.96 g an hour.
    @Test func embodiedIsTheShareOfTheHostOverItsLife() throws {
        let m5 = try model {
            $0.vcpus = 2
            $0.hostVCPUs = 96
            $0.embodiedKgPerServer = 1610.79
        }
        let grams = m5.embodiedGrams(seconds: 3600)
        #expect(abs(grams - 1_610_790.0 / 35_040 * 2 / 96) < 1e-9)
        #expect(abs(grams - 0.96) < 0.01)
    }

    /// 1.466 Wh in us-east-1 (379.069 g/kWh) is 0.556 g.
    @Test func operationalEmissionsAreEnergyTimesIntensity() throws {
        let grams = EnergyModel.grams(joules: 1.466 * 3600, intensity: 379.069)
        #expect(abs(grams - 0.001466 * 379.069) < 1e-12)
        #expect(abs(grams - 0.556) < 0.001)
    }

    @Test func unknownSettingsAreRefusedByName() throws {
        #expect(throws: CarbonSettingsError.self) { try model { $0.cloud = "ibm" } }
        #expect(throws: CarbonSettingsError.self) { try model { $0.processor = "pentium" } }
        #expect(throws: CarbonSettingsError.self) { try model { $0.storageClass = "tape" } }
        var settings = CarbonSettings()
        settings.region = "mars-north-1"
        #expect(throws: CarbonSettingsError.self) { try GridIntensity.tableReading(settings) }
        settings.region = "eu-north-1"
        #expect(try GridIntensity.tableReading(settings) == IntensityReading(gramsPerKWh: 8.8, source: "table:aws:eu-north-1"))
        settings.region = nil
        #expect(try GridIntensity.tableReading(settings) == IntensityReading(gramsPerKWh: 392.78, source: "table:aws"))
    }
}
