import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import AegisWasm
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    /// Largest `POST …/runs` body (standard input travels base64-encoded inside it).
    static let maxRunBodyBytes = 8 << 20

    func addRunRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.post("tenants/:tenant/runs") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.run, in: tenant, for: principal, request: request, context: context)
            let body = try await decode(NewRun.self, from: request, limit: Self.maxRunBodyBytes)
            let (repository, reference) = try Self.artifact(body.reference, in: tenant)
            guard let meter = context.gas else { throw APIError.badRequest("gas metering is off: runs need a gas limit to be bounded") }
            let stdin = try body.stdin.map { text -> [UInt8] in
                guard let data = Data(base64Encoded: text) else { throw APIError.badRequest("stdin must be base64") }
                return Array(data)
            }
            try await startRun(meter, tenant: tenant, principal: principal, repository: repository, gasLimit: body.gasLimit)
            let target: WasmRunner.Target
            do {
                target = try await runner.resolve(repository, reference, component: body.component)
            } catch let error as RegistryError where error.code.status == 404 {
                throw APIError.notFound(error.message)
            } catch let error as WasmError {
                throw APIError(status: .unprocessableContent, title: "Not Runnable", detail: error.description)
            }
            let input = RunInput(
                program: repository.value, arguments: body.args ?? [], environment: body.env ?? [:], stdin: stdin ?? [])
            let result: RunResult
            do {
                result = try await runner.run(target, input: input, meter: meter)
            } catch is WasmBusy {
                throw APIError.sandboxBusy(.tooManyRequests)
            } catch let error as WasmError {
                throw APIError(status: .unprocessableContent, title: "Not Runnable", detail: error.description)
            }
            runner.record(target, result, meter: meter, principal: principal.description, requestID: context.id, trigger: "api")
            audit(
                principal, action: "run", resource: "\(repository)@\(target.digest)", tenant: tenant.value, allowed: true,
                reason: result.status.rawValue, context)
            return try json(RunView(target: target, result: result, gasUsed: meter.reading.used))
        }
        api.get("tenants/:tenant/runs") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.readAudit, in: tenant, for: principal, request: request, context: context)
            let limit = try pageLimit(request, default: 100, maximum: 1000)
            let before = try request.query("before").map { text -> Int64 in
                guard let value = Int64(text), value > 0 else { throw APIError.badRequest("before must be a positive run id") }
                return value
            }
            return try json(RunList(runs: try await store.runs(of: tenant, before: before, limit: limit).map(RunRecordView.init)))
        }
    }

    /// Switches a request's meter from the API call to a run: its limit (the body's `gasLimit`, at
    /// most `gas.max_limit`), all of it reserved against the budget, and the run's intrinsic gas.
    func startRun(_ meter: GasMeter, tenant: TenantID, principal: Principal, repository: RepositoryName, gasLimit: Int64?) async throws {
        let limit = try gasLimit.map { requested -> UInt64 in
            guard requested > 0, UInt64(requested) <= gas.settings.maxLimit else {
                throw APIError.badRequest("gasLimit must be 1 to \(gas.settings.maxLimit)")
            }
            return UInt64(requested)
        }
        meter.bill(tenant, principal: principal.description, repository: repository.value, operation: .wasmRun)
        meter.setLimit(max(limit ?? gas.settings.defaultLimit, meter.reading.used))
        if let reservation = meter.reservation { gas.accounts.settle(reservation, used: 0) }
        do {
            meter.reservation = try await gas.accounts.reserve(meter.reading.limit, for: tenant)
            try meter.charge(gas.schedule.intrinsic(.wasmRun))
        } catch let error as RegistryError {
            throw APIError.forbidden("\(error.message) (\(error.detail?["reason"] ?? "gas"))")
        }
    }

    /// `<tenant>/<path>:<tag>` or `<tenant>/<path>@<digest>`, inside `tenant`.
    static func artifact(_ text: String, in tenant: TenantID) throws -> (RepositoryName, Reference) {
        let name: Substring, reference: Substring
        if let at = text.firstIndex(of: "@") {
            (name, reference) = (text[..<at], text[text.index(after: at)...])
        } else if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            (name, reference) = (text[..<colon], text[text.index(after: colon)...])
        } else {
            (name, reference) = (Substring(text), "latest")
        }
        guard let repository = try? RepositoryName(name), let parsed = try? Reference(parsing: reference) else {
            throw APIError.badRequest("reference must be <tenant>/<repository>:<tag> or <tenant>/<repository>@<digest>")
        }
        guard repository.tenant == tenant else { throw APIError.notFound("repository '\(repository)' is not in tenant '\(tenant)'") }
        return (repository, parsed)
    }
}

struct NewRun: APIRequestBody {
    static let fields: Set<String> = ["reference", "component", "args", "env", "stdin", "gasLimit"]
    var reference: String
    var component: String?
    var args: [String]?
    var env: [String: String]?
    /// Base64.
    var stdin: String?
    var gasLimit: Int64?
}

/// The outcome of a run as the API shows it. Output is base64, like the input.
struct RunView: Encodable {
    var status: String
    var exitCode: Int32?
    var message: String?
    var stdout: String
    var stderr: String
    var stdoutTruncated: Bool
    var stderrTruncated: Bool
    var gasUsed: UInt64
    var fuelUsed: UInt64
    var durationMs: Double
    var digest: String
    var component: String?

    init(target: WasmRunner.Target, result: RunResult, gasUsed: UInt64) {
        status = result.status.rawValue
        exitCode = result.exitCode
        message = result.message
        stdout = Data(result.stdout).base64EncodedString()
        stderr = Data(result.stderr).base64EncodedString()
        stdoutTruncated = result.stdoutTruncated
        stderrTruncated = result.stderrTruncated
        self.gasUsed = gasUsed
        fuelUsed = result.fuelUsed
        durationMs = result.duration.milliseconds
        digest = target.digest.description
        component = target.component
    }
}

struct RunList: Encodable {
    var runs: [RunRecordView]
}

struct RunRecordView: Encodable {
    var id: Int64
    var time: String
    var principal: String
    var repository: String
    var digest: String
    var component: String?
    var trigger: String
    var status: String
    var exitCode: Int32?
    var gasUsed: UInt64
    var fuelUsed: UInt64
    var durationMs: Double

    init(_ run: RunRecord) {
        id = run.id ?? 0
        time = run.time.ISO8601Format()
        principal = run.principal
        repository = run.repository
        digest = run.digest
        component = run.component
        trigger = run.trigger
        status = run.status
        exitCode = run.exitCode
        gasUsed = run.gasUsed
        fuelUsed = run.fuelUsed
        durationMs = run.durationMs
    }
}
