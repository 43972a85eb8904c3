/// Bounds of WASM runs, as configured (`wasm.*` keys; `docs/WASM.md`).
public struct WasmSettings: Sendable, Hashable {
    /// Linear memory a guest may have.
    public var memoryBytes = 64 << 20
    /// Wall-clock bound of a run, checked at every host call.
    public var timeoutSeconds = 10
    /// Bytes of stdout and of stderr kept per run.
    public var maxOutputBytes = 1 << 20
    /// Largest module the registry will run.
    public var maxModuleBytes = 32 << 20
    /// Largest total of files mounted into a run (Spin component files).
    public var maxMountedBytes = 64 << 20
    /// Runs executing at once (more wait); 0 is one per core.
    public var threads = 0
    /// Runs that may wait for a thread; more are refused (429 on the API, 503 on apps).
    public var maxQueuedRuns = 64

    public init() {}
}
