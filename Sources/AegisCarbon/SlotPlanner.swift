import Foundation

/// Where and when a deferrable run is to start.
public struct SlotChoice: Sendable, Hashable {
    public var start: Date
    /// The location (region) it runs in.
    public var region: String
    /// gCO2e/kWh: forecast for the slot, or read now when it runs at once.
    public var intensity: Double
    /// Why this slot.
    public var reason: String

    public init(start: Date, region: String, intensity: Double, reason: String) {
        self.start = start
        self.region = region
        self.intensity = intensity
        self.reason = reason
    }
}

/// Picks a deferrable run's slot: the forecast slot with the lowest intensity that starts before
/// its deadline, over every region's forecast, if it is cleaner than running at once here.
public enum SlotPlanner {
    /// - Parameters:
    ///   - home: This node's region, where a run that gains nothing from waiting runs at once.
    ///   - current: The intensity here now.
    ///   - forecasts: Each region's forecast slots (the home's included, when it has one).
    public static func choose(now: Date, deadline: Date, home: String, current: Double, forecasts: [String: [ForecastPoint]]) -> SlotChoice {
        var best = SlotChoice(start: now, region: home, intensity: current, reason: "no forecast: runs at once")
        guard forecasts.values.contains(where: { !$0.isEmpty }) else { return best }
        best.reason = "no cleaner slot before the deadline: runs at once"
        // Only a strictly cleaner slot replaces the choice so far, which starts as "now, here"; the
        // home region goes first and slots in time order, so of equally clean slots the earliest
        // here wins.
        let regions = forecasts.keys.sorted { ($0 == home ? 0 : 1, $0) < ($1 == home ? 0 : 1, $1) }
        for region in regions {
            let points = (forecasts[region] ?? []).sorted { $0.start < $1.start }
            for point in points where point.start < deadline && point.start.addingTimeInterval(point.duration) > now {
                let start = max(point.start, now)
                if point.gramsPerKWh < best.intensity {
                    best = SlotChoice(
                        start: start, region: region, intensity: point.gramsPerKWh, reason: "the cleanest forecast slot before the deadline")
                }
            }
        }
        return best
    }
}
