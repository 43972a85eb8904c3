import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Cumulative counters an interval's measured energy is found from.
public struct EnergyReading: Sendable, Hashable {
    /// Package energy of every socket, joules (wraparounds folded in).
    public var packageJoules: Double
    /// CPU seconds the host's cores were busy (all processes).
    public var hostBusySeconds: Double

    /// The process's part of the energy since `previous`: the package energy times its share of
    /// the host's busy CPU time (Kepler's attribution; the idle draw goes with the busy work).
    func attributed(since previous: EnergyReading, processCPU: Double) -> Double? {
        let joules = packageJoules - previous.packageJoules
        let busy = hostBusySeconds - previous.hostBusySeconds
        guard joules >= 0, busy > 0 else { return nil }
        return joules * min(1, processCPU / busy)
    }
}

/// Measured energy, when the machine has it.
public protocol EnergyMeter: Sendable {
    /// The counters now; nil when they cannot be read (the interval then falls back to the model).
    func read() -> EnergyReading?
}

/// Linux RAPL through powercap (`<root>/intel-rapl:N/energy_uj`, one zone per package) and the
/// host's CPU time from `/proc/stat`.
public final class RAPLEnergyMeter: EnergyMeter, Sendable {
    private let zones: [String]
    private let statPath: String
    private let wraps = Mutex<[String: (last: Double, folded: Double)]>([:])

    /// - Throws: `CarbonSettingsError` when `root` has no readable package zone.
    public init(root: String, statPath: String = "/proc/stat") throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        // Packages are `intel-rapl:N` (one colon); `intel-rapl:N:M` are their sub-zones, counted in them.
        zones = names.filter { $0.hasPrefix("intel-rapl:") && $0.split(separator: ":").count == 2 }.sorted().map { root + "/" + $0 }
        self.statPath = statPath
        guard !zones.isEmpty, zones.allSatisfy({ Self.microjoules($0 + "/energy_uj") != nil }) else {
            throw CarbonSettingsError("carbon.energy_source = rapl, but \(root) has no readable intel-rapl package zone")
        }
    }

    public func read() -> EnergyReading? {
        var total = 0.0
        for zone in zones {
            guard let value = Self.microjoules(zone + "/energy_uj") else { return nil }
            let range = Self.microjoules(zone + "/max_energy_range_uj") ?? 0
            total += wraps.withLock { wraps in
                var entry = wraps[zone] ?? (value, 0)
                if value < entry.last, range > 0 { entry.folded += range }
                entry.last = value
                wraps[zone] = entry
                return (value + entry.folded) / 1e6
            }
        }
        guard let busy = hostBusySeconds() else { return nil }
        return EnergyReading(packageJoules: total, hostBusySeconds: busy)
    }

    private static func microjoules(_ path: String) -> Double? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `cpu user nice system idle iowait irq softirq steal …` in clock ticks: all but idle and iowait are busy.
    private func hostBusySeconds() -> Double? {
        guard let text = try? String(contentsOfFile: statPath, encoding: .utf8), let line = text.split(separator: "\n").first,
            line.hasPrefix("cpu ")
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return nil }
        let busy = ticks.enumerated().filter { $0.offset != 3 && $0.offset != 4 && $0.offset < 8 }.reduce(0) { $0 + $1.element }
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
