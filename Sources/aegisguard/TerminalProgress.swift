import AegisCore
import Foundation

/// Progress of a long command on one line of standard error, rewritten in place, only when that is
/// a terminal (and the command was not asked for `--json`); silent otherwise.
struct TerminalProgress {
    let enabled: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        start = clock.now
    }

    /// Seconds since the command started.
    var elapsed: Double {
        (clock.now - start).seconds
    }

    /// Shows `text`, the rate of `done` `unit` per second so far and, given the `total`, the time left.
    func show(_ text: String, rate done: Double, of total: Double? = nil, unit: String) {
        guard enabled else { return }
        let rate = done / max(elapsed, 0.001)
        var line = "\r\u{1B}[K" + text + String(format: " (%.1f %@/s", rate, unit)
        if let total, rate > 0 { line += String(format: ", %.0f s left", max(total - done, 0) / rate) }
        FileHandle.standardError.write(Data((line + ")").utf8))
    }

    /// Clears the line.
    func end() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
