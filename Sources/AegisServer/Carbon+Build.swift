import AegisCarbon
import AegisConfig
import AegisOperations
import AegisStore
import AegisWasm
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// The carbon accountant `configuration` asks for, nil when carbon accounting is off.
/// - Throws: `CarbonSettingsError` for settings that cannot be used (an unknown cloud, region or
///   processor; RAPL asked for where the machine has none).
func carbonAccountant(_ configuration: AegisConfiguration, logger: Logger) throws -> CarbonAccountant? {
    let settings = configuration.carbon
    guard settings.enabled else { return nil }
    let model = try EnergyModel(settings, objectStorage: configuration.blobsURL != nil, cores: System.coreCount)
    let location = settings.home
    let live: (any IntensitySource)? =
        if let url = settings.intensityURL {
            CarbonAwareWebSource(baseURL: url, location: location)
        } else if let file = settings.forecastFile {
            ForecastFileSource(path: file, location: location)
        } else {
            nil
        }
    let intensity = GridIntensity(
        table: try GridIntensity.tableReading(settings), live: live, refreshSeconds: settings.intensityRefreshSeconds, logger: logger)
    let energyMeter: (any EnergyMeter)? = settings.energySource == "rapl" ? try RAPLEnergyMeter(root: settings.raplPath) : nil
    return CarbonAccountant(model: model, intensity: intensity, sampler: SystemProcessSampler(), energyMeter: energyMeter)
}

/// Closes the accountant's interval every `carbon.interval_seconds` and writes its rows (with the
/// storage accountant's) to the carbon ledger. Every node accounts for its own process.
func carbonService(
    _ configuration: AegisConfiguration, metering: Metering, store: any CarbonLedgerStore, observer: any UsageObserver, logger: Logger
) -> (any Service)? {
    guard let accountant = metering.carbon else { return nil }
    let writer = BatchWriter(metering.carbonLedger, name: "carbon rows", logger: logger) { rows in
        try await store.appendCarbonCharges(rows)
        for row in rows { observer.observe(row) }
    }
    let tick: @Sendable () async -> Void = {
        for row in await accountant.close() { metering.carbonLedger.record(row) }
        await writer.flush()
    }
    return PeriodicService("carbon", every: .seconds(configuration.carbon.intervalSeconds), tickFirst: false, tick: tick, atShutdown: tick)
}

/// What deferrable runs need, from the accountant `carbonAccountant` made.
func carbonScheduling(_ configuration: AegisConfiguration, accountant: CarbonAccountant?) -> CarbonScheduling? {
    guard let accountant else { return nil }
    let settings = configuration.carbon
    return CarbonScheduling(
        intensity: accountant.intensity, model: accountant.model, home: settings.home,
        regions: settings.schedulerRegions.isEmpty ? [settings.home] : settings.schedulerRegions)
}

/// Starts this node's region's deferred runs when their slot comes.
func deferredRunService(_ configuration: AegisConfiguration, operations: Operations, logger: Logger) -> (any Service)? {
    guard operations.metering.carbon != nil else { return nil }
    let service = DeferredRunService(
        runs: operations.deferredRuns, store: operations.store, region: configuration.carbon.home,
        bound: TimeInterval(configuration.wasm.timeoutSeconds + 60), logger: logger)
    return PeriodicService(
        "deferred runs", every: .seconds(configuration.carbon.schedulerIntervalSeconds), tick: { await service.tick() })
}
