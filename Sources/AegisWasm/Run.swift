/// What a run gets: arguments, environment, standard input and read-only files.
public struct RunInput: Sendable {
    /// `argv[0]`.
    public var program: String
    /// `argv[1...]`.
    public var arguments: [String]
    /// The environment; empty unless granted.
    public var environment: [String: String]
    /// Standard input, read to its end.
    public var stdin: [UInt8]
    /// Directories the guest may read, each with its files; nothing else is visible.
    public var mounts: [Mount]

    public init(
        program: String = "main.wasm", arguments: [String] = [], environment: [String: String] = [:], stdin: [UInt8] = [],
        mounts: [Mount] = []
    ) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.stdin = stdin
        self.mounts = mounts
    }
}

/// A read-only directory the guest sees at `guestPath`, with files at paths relative to it.
public struct Mount: Sendable, Hashable {
    public var guestPath: String
    public var files: [String: [UInt8]]

    public init(guestPath: String, files: [String: [UInt8]]) {
        self.guestPath = guestPath
        self.files = files
    }

    /// The bytes its files hold.
    public var byteCount: Int { files.values.reduce(0) { $0 + $1.count } }
}

/// The bounds of one run.
public struct RunLimits: Sendable, Hashable {
    /// Fuel: one unit per WebAssembly operator (see `docs/WASM.md`).
    public var fuel: UInt64
    /// The most linear memory the guest may have, in bytes.
    public var memoryBytes: Int
    /// Wall-clock bound, checked at every host call (pure computation is bounded by fuel).
    public var timeout: Duration
    /// The most of each of stdout and stderr kept; the rest is counted and dropped.
    public var maxOutputBytes: Int

    public init(fuel: UInt64, memoryBytes: Int = 64 << 20, timeout: Duration = .seconds(10), maxOutputBytes: Int = 1 << 20) {
        self.fuel = fuel
        self.memoryBytes = memoryBytes
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
    }
}

/// How a run ended, and what it produced.
public struct RunResult: Sendable {
    /// Every run ends in exactly one of these.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// `_start` returned or the guest called `proc_exit`: see `exitCode`.
        case exit
        /// The fuel (gas) limit was reached.
        case outOfGas = "out_of_gas"
        /// The guest failed after a memory growth past its limit was refused.
        case memoryLimit = "memory_limit"
        /// The interpreter's call stack overflowed (deep recursion).
        case stackExhausted = "stack_exhausted"
        /// Any other trap (`unreachable`, division by zero, out-of-bounds access…) or a module that
        /// cannot be instantiated (an import the sandbox does not provide).
        case trap
        /// A host call found the wall-clock bound passed.
        case timeout
    }

    public var status: Status
    /// The exit code when `status` is `exit`.
    public var exitCode: Int32?
    /// What went wrong, for every status but `exit`.
    public var message: String?
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// Whether output beyond `maxOutputBytes` was dropped.
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// Fuel consumed (the whole limit when out of gas).
    public var fuelUsed: UInt64
    public var duration: Duration
    /// CPU time the run's thread used (it runs on one thread from start to end).
    public var cpuTime: Duration = .zero
}

extension Duration {
    /// The duration in (fractional) milliseconds, as runs report it.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
