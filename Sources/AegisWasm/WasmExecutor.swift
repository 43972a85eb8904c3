import AegisCore
import NIOCore
import NIOPosix
import Synchronization
@_spi(WASIPlatform) import WASI
@_spi(Fuzzing) import WasmKit
import WasmKitWASI

/// Runs WebAssembly (WASI preview 1 command modules) in a sandbox: fuel-metered, memory-capped,
/// with a bounded interpreter stack, in-memory stdio, read-only in-memory files and a wall-clock
/// bound on host calls. Parsed modules are cached by digest and shared; every run gets its own
/// `Store` and instance on a thread of the executor's pool, never on an event loop.
public final class WasmExecutor: Sendable {
    /// The engine that meters fuel; `unmetered` exists for the metering-overhead benchmark.
    private let engine: Engine
    private let modules: ModuleCache
    private let pool: NIOThreadPool
    /// Runs executing or waiting for a thread, and the most allowed at once.
    private let admitted = Atomic<Int>(0)
    private let maxAdmitted: Int

    /// - Parameters:
    ///   - metered: Whether translated code consumes fuel (an engine property).
    ///   - stackBytes: The interpreter's value and frame stack per run.
    ///   - threads: Runs executing at once; more wait for a thread.
    ///   - cachedModules: Parsed modules kept, at most.
    ///   - cachedModuleBytes: Bytes of the modules kept, at most (256 MiB by default).
    ///   - maxQueued: Runs that may wait for a thread beyond those running; more are refused with
    ///     `WasmBusy` rather than piling up (each holds its request's memory while it waits).
    public init(
        metered: Bool = true, stackBytes: Int = 1 << 20, threads: Int = System.coreCount, cachedModules: Int = 64,
        cachedModuleBytes: Int = 256 << 20, maxQueued: Int = 64
    ) {
        maxAdmitted = max(1, threads) + max(0, maxQueued)
        engine = Engine(configuration: EngineConfiguration(stackSize: stackBytes, fuelMetering: metered))
        modules = ModuleCache(capacity: cachedModules, maxBytes: cachedModuleBytes)
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// The parsed module with `digest`, parsing `bytes()` on first use.
    /// - Throws: `WasmError.notAModule` for anything but a core WebAssembly module.
    public func module(digest: Digest, bytes: () async throws -> [UInt8]) async throws -> WasmModule {
        if let cached = modules[digest] { return cached }
        let bytes = try await bytes()
        let parsed = try await pool.runIfActive { try WasmModule(parsing: bytes) }
        modules[digest] = parsed
        return parsed
    }

    /// Runs `module`'s `_start` with `input`, within `limits`.
    /// - Throws: `WasmBusy` when the executor already has as many runs as it admits.
    public func run(_ module: WasmModule, input: RunInput, limits: RunLimits) async throws -> RunResult {
        guard admitted.add(1, ordering: .relaxed).newValue <= maxAdmitted else {
            admitted.subtract(1, ordering: .relaxed)
            throw WasmBusy()
        }
        defer { admitted.subtract(1, ordering: .relaxed) }
        return try await pool.runIfActive { [engine] in Self.run(module.module, engine: engine, input: input, limits: limits) }
    }

    private static func run(_ module: Module, engine: Engine, input: RunInput, limits: RunLimits) -> RunResult {
        let started = ContinuousClock.now
        let cpuStarted = ThreadCPUClock.now()
        let deadline = Deadline(instant: started + limits.timeout)
        let stdin = MemoryStdio(input: input.stdin, deadline: deadline)
        let stdout = MemoryStdio(outputLimit: limits.maxOutputBytes, deadline: deadline)
        let stderr = MemoryStdio(outputLimit: limits.maxOutputBytes, deadline: deadline)
        let store = Store(engine: engine)
        let memory = MemoryCap(maxBytes: limits.memoryBytes)
        store.resourceLimiter = memory
        store.fuel = Fuel(remaining: limits.fuel)

        var status = RunResult.Status.exit
        var exitCode: Int32?
        var message: String?
        do {
            let files = try MemoryFileSystem()
            for mount in input.mounts {
                let prefix = mount.guestPath.hasSuffix("/") ? mount.guestPath : mount.guestPath + "/"
                for (path, content) in mount.files {
                    try files.addFile(at: prefix + path, content: content)
                }
            }
            let options = WASIBridgeToHost.FileSystemOptions.custom { ReadOnlyFileSystem(base: files) }
                .withStdio(stdin: stdin, stdout: stdout, stderr: stderr)
                .withPreopens(input.mounts.map { WASIBridgeToHost.Preopen(guestPath: $0.guestPath, hostPath: $0.guestPath) })
            let wasi = try WASIBridgeToHost(args: [input.program] + input.arguments, environment: input.environment, fileSystem: options)
            let code = try wasi.runAndClose { wasi in
                var imports = Imports()
                link(wasi, into: &imports, store: store, deadline: deadline)
                let instance = try module.instantiate(store: store, imports: imports)
                return try wasi.start(instance)
            }
            exitCode = Int32(bitPattern: code)
        } catch {
            (status, message) = classify(error, memoryRefused: memory.refused)
        }
        if status == .exit, exitCode != 0, memory.refused {
            status = .memoryLimit
            message = "the guest exited with \(exitCode ?? 0) after a memory growth past \(limits.memoryBytes) bytes was refused"
        }
        let remaining = store.fuel?.remaining ?? 0
        let out = stdout.captured, err = stderr.captured
        return RunResult(
            status: status, exitCode: status == .exit ? exitCode : nil, message: message, stdout: out.bytes, stderr: err.bytes,
            stdoutTruncated: out.truncated, stderrTruncated: err.truncated,
            fuelUsed: status == .outOfGas ? limits.fuel : limits.fuel - min(remaining, limits.fuel),
            duration: ContinuousClock.now - started, cpuTime: ThreadCPUClock.now() - cpuStarted)
    }

    /// The WASI functions, each checking the deadline first. `poll_oneoff` (the only call that
    /// can sleep) is refused: a guest cannot wait.
    private static func link(_ wasi: WASIBridgeToHost, into imports: inout Imports, store: Store, deadline: Deadline) {
        let functions: [String: WASIHostFunction<Memory>] = wasi.hostFunctions(capabilities: WASICapability.all)
        for (name, function) in functions {
            let body: Function.Implementation
            if name == "poll_oneoff" {
                body = { _, _ in [.i32(UInt32(WASIAbi.Errno.ENOTSUP.rawValue))] }
            } else {
                body = { caller, arguments in
                    try deadline.check()
                    guard case .memory(let memory) = caller.instance?.export("memory") else {
                        throw WASIError(description: "the module exports no memory")
                    }
                    return try function.implementation(memory, arguments)
                }
            }
            imports.define(module: "wasi_snapshot_preview1", name: name, Function(store: store, type: function.type, body: body))
        }
    }

    private static func classify(_ error: any Error, memoryRefused: Bool) -> (RunResult.Status, String) {
        if error is DeadlineExceeded { return (.timeout, "the run passed its wall-clock bound") }
        let description = String(describing: error)
        let firstLine = description.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? description
        if error is Trap {
            if description.contains("out of fuel") { return (.outOfGas, "out of gas") }
            if description.contains("call stack exhausted") { return (.stackExhausted, "call stack exhausted") }
        }
        if memoryRefused { return (.memoryLimit, "memory limit reached: \(firstLine)") }
        return (.trap, firstLine)
    }
}

/// A parsed core module, shareable between runs.
public struct WasmModule: Sendable {
    let module: Module
    /// The size of the bytes it was parsed from.
    public let byteCount: Int

    /// Parses a core WebAssembly module.
    /// - Throws: `WasmError` for components and for bytes that are not WebAssembly.
    public init(parsing bytes: [UInt8]) throws {
        guard bytes.count >= 8, bytes[0..<4].elementsEqual([0x00, 0x61, 0x73, 0x6d]) else {
            throw WasmError("not a WebAssembly module (bad magic number)")
        }
        guard bytes[4..<8].elementsEqual([0x01, 0x00, 0x00, 0x00]) else {
            throw WasmError("WebAssembly components (WASI 0.2) cannot run here yet; push a WASI preview 1 core module")
        }
        byteCount = bytes.count
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw WasmError("the module does not parse: \(error)")
        }
    }

    /// Whether the module is a WASI command (exports `_start`).
    public var isCommand: Bool { module.exports.contains { $0.name == "_start" } }
}

/// The executor is running and queueing as many runs as it admits; retry later.
public struct WasmBusy: Error, Sendable {}

/// A module that cannot run.
public struct WasmError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Refuses memory growth past a cap, remembering that it did.
final class MemoryCap: ResourceLimiter, Sendable {
    let maxBytes: Int
    private let refusedFlag = Atomic<Bool>(false)

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    var refused: Bool { refusedFlag.load(ordering: .relaxed) }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired <= maxBytes else {
            refusedFlag.store(true, ordering: .relaxed)
            return false
        }
        return true
    }

    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 100_000 }
}

/// Parsed modules by digest, least recently used evicted first, bounded in count and in the bytes
/// of the modules they were parsed from (parsed code takes a multiple of that).
final class ModuleCache: Sendable {
    private struct State {
        var modules: [Digest: (module: WasmModule, used: UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let capacity: Int
    private let maxBytes: Int
    private let state = Mutex(State())

    init(capacity: Int, maxBytes: Int) {
        self.capacity = max(1, capacity)
        self.maxBytes = maxBytes
    }

    subscript(digest: Digest) -> WasmModule? {
        get {
            state.withLock { state in
                guard let entry = state.modules[digest] else { return nil }
                state.clock += 1
                state.modules[digest] = (entry.module, state.clock)
                return entry.module
            }
        }
        set {
            state.withLock { state in
                state.bytes -= state.modules.removeValue(forKey: digest)?.module.byteCount ?? 0
                guard let newValue else { return }
                state.clock += 1
                state.modules[digest] = (newValue, state.clock)
                state.bytes += newValue.byteCount
                // The newest stays even when it alone is over the budget.
                while state.modules.count > 1, state.modules.count > capacity || state.bytes > maxBytes,
                    let oldest = state.modules.min(by: { $0.value.used < $1.value.used })?.key
                {
                    state.bytes -= state.modules.removeValue(forKey: oldest)?.module.byteCount ?? 0
                }
            }
        }
    }

    /// Modules and their bytes, as cached now.
    var usage: (count: Int, bytes: Int) { state.withLock { ($0.modules.count, $0.bytes) } }
}
