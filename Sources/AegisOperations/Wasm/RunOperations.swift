import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import AegisWasm
import Foundation

/// Running WASM artifacts of the registry on demand (`POST …/runs`, `aegisguard run`).
public struct RunOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let metering: Metering
    let runner: WasmRunner

    /// What to run.
    public struct Request: Sendable {
        /// `<tenant>/<repository>[:tag|@digest]`, inside the tenant.
        public var reference: String
        public var component: String?
        public var arguments: [String]
        public var environment: [String: String]
        public var stdin: [UInt8]
        /// The run's gas limit (default: `gas.default_limit`), all of it reserved against the budget.
        public var gasLimit: Int64?

        public init(
            reference: String, component: String? = nil, arguments: [String] = [], environment: [String: String] = [:], stdin: [UInt8] = [],
            gasLimit: Int64? = nil
        ) {
            self.reference = reference
            self.component = component
            self.arguments = arguments
            self.environment = environment
            self.stdin = stdin
            self.gasLimit = gasLimit
        }
    }

    /// A finished run.
    public struct Outcome: Sendable {
        public var target: WasmRunner.Target
        public var result: RunResult
        public var gasUsed: UInt64
    }

    /// Runs an artifact, billed to its tenant as `wasm.run` (API call, intrinsic gas and fuel).
    /// - Throws: `not_found` (no such artifact, or another tenant's), `not_runnable`, `gas`, `busy`.
    public func run(_ request: Request, in tenant: TenantID, _ caller: Caller) async throws -> Outcome {
        try await authorization.require(.run, in: tenant, caller)
        let artifact = try Self.artifact(request.reference, in: tenant)
        guard let meter = caller.meter else { throw OperationError.invalid("gas metering is off: runs need a gas limit to be bounded") }
        let maxLimit = metering.settings.maxLimit
        if let limit = request.gasLimit, limit <= 0 || UInt64(limit) > maxLimit {
            throw OperationError(.invalidRequest, "gasLimit must be 1 to \(maxLimit)", reason: "invalid_gas_limit")
        }
        try metering.applyLimit(String(request.gasLimit ?? Int64(clamping: metering.settings.defaultLimit)), to: meter)
        try await metering.bill(
            meter, to: tenant, principal: caller.principal.description, repository: artifact.repository.value, operation: .wasmRun,
            reserving: .limit)
        let target = try await Self.runnable { try await runner.resolve(artifact.repository, artifact.reference, component: request.component) }
        let input = RunInput(
            program: artifact.repository.value, arguments: request.arguments, environment: request.environment, stdin: request.stdin)
        let result = try await Self.runnable { try await runner.run(target, input: input, meter: meter) }
        runner.record(target, result, meter: meter, principal: caller.principal.description, requestID: caller.requestID, trigger: "api")
        authorization.record(
            caller, action: "run", resource: "\(artifact.repository)@\(target.digest)", tenant: tenant, allowed: true,
            reason: result.status.rawValue)
        return Outcome(target: target, result: result, gasUsed: meter.reading.used)
    }

    /// The tenant's runs, newest first (auditors and owners).
    public func list(in tenant: TenantID, before: Int64?, limit: Int, _ caller: Caller) async throws -> [RunRecord] {
        try await authorization.require(.readAudit, in: tenant, caller)
        return try await store.runs(of: tenant, before: before, limit: limit)
    }

    /// Writes finished runs with their `run.finished` events (the batch writer's job).
    public static func write(_ runs: [RunRecord], to store: any MetadataStore) async throws {
        try await store.transaction { tx in
            try tx.insertRuns(runs)
            for run in runs {
                try tx.append(
                    OutboxEvent(
                        tenant: try? TenantID(run.tenant), type: .runFinished, subject: "\(run.repository)@\(run.digest)",
                        payload: [
                            "status": .string(run.status), "exitCode": run.exitCode.map { .integer(Int64($0)) } ?? .null,
                            "gasUsed": .integer(Int64(clamping: run.gasUsed)), "trigger": .string(run.trigger),
                        ], time: run.time))
            }
        }
    }

    /// `<tenant>/<path>[:<tag>|@<digest>]` (no tag means `latest`), inside `tenant`.
    static func artifact(_ text: String, in tenant: TenantID) throws -> ArtifactReference {
        guard let artifact = try? ArtifactReference(parsing: text, allowingHost: false) else {
            throw OperationError.invalid("reference must be <tenant>/<repository>[:<tag>|@<digest>]")
        }
        guard artifact.repository.tenant == tenant else {
            throw OperationError.notFound("repository '\(artifact.repository)' is not in tenant '\(tenant)'")
        }
        return artifact
    }

    /// The errors of resolving and running, as operation errors.
    static func runnable<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is WasmBusy {
            throw OperationError(.busy, "every sandbox thread is busy and the queue is full; retry shortly", retryAfter: 1)
        } catch let error as WasmError {
            throw OperationError(.notRunnable, error.description)
        } catch let error as RegistryError where error.code == .nameUnknown || error.code == .manifestUnknown || error.code == .blobUnknown {
            throw OperationError.notFound(error.message)
        }
    }
}
