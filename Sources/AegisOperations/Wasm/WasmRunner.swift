import AegisCore
import AegisGas
import AegisRegistry
import AegisSpin
import AegisStore
import AegisWasm
import Foundation
import NIOCore
import Tracing

/// Finds what to run in the registry and runs it in the sandbox, metered in gas: a WASM module
/// (the CNCF wasm artifact layout, or any manifest with exactly one module layer) or a component
/// of a Spin application.
public struct WasmRunner: Sendable {
    let registry: Registry
    let executor: WasmExecutor
    let store: any MetadataStore
    let settings: WasmSettings
    let schedule: GasSchedule
    let observer: any UsageObserver
    /// Finished runs, written in batches (`RunOperations.write`).
    public let runs: RunLog

    public init(
        registry: Registry, executor: WasmExecutor, store: any MetadataStore, settings: WasmSettings, schedule: GasSchedule,
        observer: any UsageObserver, runs: RunLog
    ) {
        self.registry = registry
        self.executor = executor
        self.store = store
        self.settings = settings
        self.schedule = schedule
        self.observer = observer
        self.runs = runs
    }

    /// Media types of a module layer: the CNCF wasm artifact's, Spin's, and the older wasm-to-oci one.
    static let moduleMediaTypes: Set<String> = [
        "application/wasm", "application/vnd.wasm.content.layer.v1+wasm", "application/vnd.module.wasm.content.layer.v1+wasm",
    ]

    /// What one run executes.
    public struct Target: Sendable {
        public var repository: RepositoryName
        /// The manifest's digest (what was resolved; pinned by deployments).
        public var digest: Digest
        public var module: Digest
        public var component: String?
        var mounts: [Mount] = []
        var environment: [String: String] = [:]
    }

    /// Resolves `reference` in `repository` to a target.
    /// - Throws: `RegistryError` (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`…) when it is not there,
    ///   `WasmError` when it is not something that runs.
    func resolve(_ repository: RepositoryName, _ reference: Reference, component: String?) async throws -> Target {
        let record = try await registry.manifest(reference, in: repository)
        let manifest = try Manifest(parsing: record.content, contentType: record.mediaType)
        if let app = try await spinApp(manifest, in: repository) {
            return try await target(of: app, repository: repository, digest: record.digest, component: component)
        }
        let modules = manifest.layers.filter { Self.moduleMediaTypes.contains($0.mediaType) }
        guard modules.count == 1, let layer = modules.first else {
            throw WasmError(
                modules.isEmpty
                    ? "\(repository)@\(record.digest) has no WebAssembly module layer (application/wasm)"
                    : "\(repository)@\(record.digest) has \(modules.count) module layers and is not a Spin application: name one artifact per module")
        }
        if let component { throw WasmError("'\(component)' names a component, but \(repository) is a single module, not a Spin application") }
        return Target(repository: repository, digest: record.digest, module: try Digest(parsing: layer.digest))
    }

    /// The locked application of a Spin artifact (the last layer, or the config in old ones), nil
    /// for anything else.
    func spinApp(_ manifest: Manifest, in repository: RepositoryName) async throws -> LockedApp? {
        let descriptor =
            manifest.layers.last { $0.mediaType == SpinMediaType.lockedApp }
            ?? manifest.config.flatMap { $0.mediaType == SpinMediaType.lockedApp ? $0 : nil }
        guard let descriptor else { return nil }
        if manifest.layers.contains(where: { $0.mediaType == SpinMediaType.archiveLayer }) {
            throw WasmError(
                "Spin archive layers (\(SpinMediaType.archiveLayer)) cannot be read here yet; push without SPIN_OCI_ARCHIVE_LAYERS")
        }
        let bytes = try await readBlob(try Digest(parsing: descriptor.digest), in: repository, limit: Self.maxLockedAppBytes)
        do {
            return try LockedApp(json: bytes)
        } catch let error as SpinError {
            throw WasmError("the Spin application's locked app is not usable: \(error)")
        }
    }

    /// Largest locked-application JSON read.
    static let maxLockedAppBytes = 4 << 20

    /// The target that runs `component` of `app` (or its only component): its module, its files
    /// mounted read-only at `/` as Spin does, and its environment.
    func target(of app: LockedApp, repository: RepositoryName, digest: Digest, component: String?) async throws -> Target {
        let chosen: LockedApp.Component
        if let component {
            guard let found = app.component(component) else {
                throw WasmError("the application has no component '\(component)' (it has \(app.components.map(\.id).joined(separator: ", ")))")
            }
            chosen = found
        } else {
            guard app.components.count == 1, let only = app.components.first else {
                throw WasmError("the application has several components; name one: \(app.components.map(\.id).joined(separator: ", "))")
            }
            chosen = only
        }
        guard let module = chosen.source.content.digest.flatMap({ try? Digest(parsing: $0) }) else {
            throw WasmError("component '\(chosen.id)' has no pushed module (its source is not a layer digest)")
        }
        var files: [String: [UInt8]] = [:]
        var total = 0
        for file in chosen.files {
            let bytes: [UInt8]
            if let inline = file.content.inline {
                bytes = inline
            } else if let digest = file.content.digest.flatMap({ try? Digest(parsing: $0) }) {
                bytes = try await readBlob(digest, in: repository, limit: settings.maxMountedBytes - total)
            } else {
                throw WasmError("component '\(chosen.id)': file '\(file.path)' has neither inline content nor a digest")
            }
            total += bytes.count
            guard total <= settings.maxMountedBytes else {
                throw WasmError("component '\(chosen.id)' has more than \(settings.maxMountedBytes) bytes of files")
            }
            files[file.path] = bytes
        }
        return Target(
            repository: repository, digest: digest, module: module, component: chosen.id,
            mounts: files.isEmpty ? [] : [Mount(guestPath: "/", files: files)], environment: chosen.environment)
    }

    /// Runs `target` with `input`, within the gas `meter` has left (converted to fuel at the
    /// schedule's rate), and charges the fuel used to the meter.
    func run(_ target: Target, input: RunInput, meter: GasMeter) async throws -> RunResult {
        let module = try await executor.module(digest: target.module) {
            try await readBlob(target.module, in: target.repository, limit: settings.maxModuleBytes)
        }
        let (fuel, overflow) = meter.remaining.multipliedReportingOverflow(by: schedule.wasmFuelPerGas)
        var input = input
        input.environment.merge(target.environment) { requested, _ in requested }
        input.mounts += target.mounts
        let limits = RunLimits(
            fuel: overflow ? .max : fuel, memoryBytes: settings.memoryBytes, timeout: .seconds(settings.timeoutSeconds),
            maxOutputBytes: settings.maxOutputBytes)
        let result = try await withSpan("aegis.wasm.run") { span in
            let result = try await executor.run(module, input: input, limits: limits)
            if span.isRecording {
                span.attributes["aegis.wasm.component"] = target.component ?? ""
                span.attributes["aegis.wasm.status"] = result.status.rawValue
                span.attributes["aegis.wasm.fuel"] = Int(clamping: result.fuelUsed)
            }
            return result
        }
        meter.measured(cpu: result.cpuTime)
        if result.status == .outOfGas {
            meter.exhaust()
        } else {
            try? meter.charge((result.fuelUsed + schedule.wasmFuelPerGas - 1) / schedule.wasmFuelPerGas)
        }
        return result
    }

    /// A whole blob, for modules and mounted files (which must be in memory to run), up to `limit`.
    func readBlob(_ digest: Digest, in repository: RepositoryName, limit: Int) async throws -> [UInt8] {
        let size = try await registry.blobSize(digest, in: repository)
        guard size <= limit else { throw WasmError("\(digest) is \(size) bytes; the limit is \(limit)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        if size > 0 {
            try await registry.readBlob(digest, range: 0...(size - 1)) { bytes.append(contentsOf: $0.readableBytesView) }
        }
        return bytes
    }

    /// Records a finished run (in the metrics now, in the runs table with the next batch).
    func record(_ target: Target, _ result: RunResult, meter: GasMeter, principal: String, requestID: String, trigger: String) {
        let reading = meter.reading
        let run = RunRecord(
            time: Date(), tenant: target.repository.tenant.value, principal: principal, requestID: requestID,
            repository: target.repository.value, digest: target.digest.description, component: target.component, trigger: trigger,
            status: result.status.rawValue, exitCode: result.exitCode, gasUsed: reading.used, fuelUsed: result.fuelUsed,
            durationMs: result.duration.milliseconds)
        observer.observe(run, duration: result.duration)
        runs.record(run)
    }
}
