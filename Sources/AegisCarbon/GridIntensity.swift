import Foundation
import Logging
import Synchronization

/// The grid intensity an interval's energy was multiplied by, and where it came from.
public struct IntensityReading: Sendable, Hashable {
    /// gCO2e per kWh.
    public var gramsPerKWh: Double
    /// `table:<cloud>:<region>`, `live:<location>`, `forecast:<location>`, or `fallback:table:…`.
    public var source: String

    public init(gramsPerKWh: Double, source: String) {
        self.gramsPerKWh = gramsPerKWh
        self.source = source
    }
}

/// One slot of a forecast: its start, length and intensity.
public struct ForecastPoint: Sendable, Hashable {
    public var start: Date
    public var duration: TimeInterval
    public var gramsPerKWh: Double

    public init(start: Date, duration: TimeInterval, gramsPerKWh: Double) {
        self.start = start
        self.duration = duration
        self.gramsPerKWh = gramsPerKWh
    }
}

/// A source of current intensity and its forecast beyond the built-in table.
public protocol IntensitySource: Sendable {
    /// How readings from it are labelled: `live:<location>`, `forecast:<location>`.
    var name: String { get }
    /// gCO2e/kWh now.
    func current(at date: Date) async throws -> Double
    /// The location readings are for.
    var location: String { get }
    /// The forecast slots for `location` (this one's, or another region's) overlapping `[from, to)`, in time order.
    func forecast(for location: String, from: Date, to: Date) async throws -> [ForecastPoint]
}

/// Grid intensity: a live source's reading while it answers, kept `refresh` seconds, and the
/// built-in table (Cloud Carbon Footprint's regional factors) otherwise, labelled as a fallback.
public final class GridIntensity: Sendable {
    /// The table's reading for the configured cloud and region.
    public let table: IntensityReading
    private let live: (any IntensitySource)?
    private let refresh: TimeInterval
    private let cached = Mutex<(reading: IntensityReading, until: Date)?>(nil)
    private let logger: Logger

    public init(table: IntensityReading, live: (any IntensitySource)?, refreshSeconds: Int, logger: Logger) {
        self.table = table
        self.live = live
        self.refresh = TimeInterval(refreshSeconds)
        self.logger = logger
    }

    /// The table's reading for `settings`' cloud and region.
    /// - Throws: `CarbonSettingsError` for a region the table does not have.
    public static func tableReading(_ settings: CarbonSettings) throws -> IntensityReading {
        guard let cloud = CloudCarbonFootprint.cloud(named: settings.cloud) else {
            throw CarbonSettingsError("carbon.cloud must be one of aws, gcp, azure")
        }
        guard let region = settings.region else {
            return IntensityReading(gramsPerKWh: cloud.unknownRegionIntensity, source: "table:\(cloud.name)")
        }
        let regions = CloudCarbonFootprint.regionIntensity[cloud.name] ?? [:]
        guard let value = regions[region] else {
            throw CarbonSettingsError(
                "carbon.region '\(region)' is not in the \(cloud.name) table (\(regions.keys.sorted().joined(separator: ", "))): "
                    + "leave it out for the cloud's mean, or give an intensity source")
        }
        return IntensityReading(gramsPerKWh: value, source: "table:\(cloud.name):\(region)")
    }

    /// The intensity now, as last read (within `refresh` seconds).
    public func current(_ now: Date = Date()) async -> IntensityReading {
        guard live != nil else { return table }
        if let cached = cached.withLock({ $0 }), now < cached.until { return cached.reading }
        let (reading, fresh) = await read(at: now)
        // A failure is asked again within a minute, so a source that comes back is used soon.
        let until = now.addingTimeInterval(fresh ? refresh : min(refresh, 60))
        cached.withLock { $0 = (reading, until) }
        return reading
    }

    /// The intensity at `date`, asked of the source now rather than taken from the cache (for a
    /// deferred run, whose slot may have begun since the last reading).
    public func reading(at date: Date = Date()) async -> IntensityReading {
        guard live != nil else { return table }
        return await read(at: date).reading
    }

    private func read(at date: Date) async -> (reading: IntensityReading, fresh: Bool) {
        guard let live else { return (table, true) }
        do {
            let value = try await live.current(at: date)
            guard value.isFinite, value >= 0 else { throw IntensitySourceError("\(live.name) answered \(value) gCO2e/kWh") }
            return (IntensityReading(gramsPerKWh: value, source: live.name), true)
        } catch {
            logger.warning("grid intensity source failed; using the table", metadata: ["source": "\(live.name)", "error": "\(error)"])
            return (IntensityReading(gramsPerKWh: table.gramsPerKWh, source: "fallback:" + table.source), false)
        }
    }

    /// The location the live source reads for, if there is one.
    public var location: String? { live?.location }

    /// The forecast for `location` (default: the live source's own) over `[from, to)`, or nil when
    /// there is no live source or it fails.
    public func forecast(for location: String? = nil, from: Date, to: Date) async -> [ForecastPoint]? {
        guard let live else { return nil }
        do {
            return try await live.forecast(for: location ?? live.location, from: from, to: to)
        } catch {
            logger.warning("grid intensity forecast failed", metadata: ["source": "\(live.name)", "error": "\(error)"])
            return nil
        }
    }
}

/// An intensity source that answered nothing usable.
public struct IntensitySourceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
