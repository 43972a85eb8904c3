import AegisAuth
import AegisCore
import AegisOperations
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
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewRun.self, from: request, limit: Self.maxRunBodyBytes)
            let stdin = try body.stdin.map { text -> [UInt8] in
                guard let data = Data(base64Encoded: text) else { throw APIError.badRequest("stdin must be base64") }
                return Array(data)
            }
            let run = RunOperations.Request(
                reference: body.reference, component: body.component, arguments: body.args ?? [], environment: body.env ?? [:],
                stdin: stdin ?? [], gasLimit: body.gasLimit)
            let outcome = try await operations.runs.run(run, in: tenant, caller)
            return try json(RunView(outcome))
        }
        api.get("tenants/:tenant/runs") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let limit = try pageLimit(request, default: 100, maximum: 1000)
            let runs = try await operations.runs.list(in: tenant, before: try positiveID(request.query("before"), what: "run"), limit: limit, caller)
            return try json(RunList(runs: runs.map(RunRecordView.init)))
        }
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

    init(_ outcome: RunOperations.Outcome) {
        let (target, result, gasUsed) = (outcome.target, outcome.result, outcome.gasUsed)
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
