import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's own use of the machine, read at the ends of each accounting interval.
public protocol ProcessSampler: Sendable {
    /// CPU seconds the process has used so far, user and system, on all its threads.
    func cpuSeconds() -> Double
    /// Resident memory, bytes.
    func residentBytes() -> Int64
}

/// `getrusage(RUSAGE_SELF)` and `/proc/self/statm`.
public struct SystemProcessSampler: ProcessSampler {
    public init() {}

    public func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    public func residentBytes() -> Int64 {
        // statm: size resident shared text lib data dt, in pages.
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
