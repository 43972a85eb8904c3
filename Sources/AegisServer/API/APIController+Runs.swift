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
            if let deferrable = body.deferrable {
                guard let deadline = deferrable.deadlineDate else {
                    throw APIError.badRequest("deferrable.deadline must be an RFC 3339 date-time")
                }
                let queued = try await operations.deferredRuns.submit(run, deadline: deadline, in: tenant, caller)
                return try json(DeferredRunView(queued), status: .accepted)
            }
            let outcome = try await operations.runs.run(run, in: tenant, caller)
            return try json(RunView(outcome))
        }
        api.get("tenants/:tenant/runs/deferred") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let limit = try pageLimit(request, default: 100, maximum: 1000)
            let before = try positiveID(request.query("before"), what: "deferred run")
            let runs = try await operations.deferredRuns.list(in: tenant, before: before, limit: limit, caller)
            return try json(DeferredRunList(runs: runs.map(DeferredRunView.init)))
        }
        api.get("tenants/:tenant/runs/deferred/:id") { request, context in
            let caller = try await caller(request, context)
            let id = try deferredRunID(context)
            return try json(DeferredRunView(try await operations.deferredRuns.get(id, in: try tenantParameter(context), caller)))
        }
        api.delete("tenants/:tenant/runs/deferred/:id") { request, context in
            let caller = try await caller(request, context)
            try await operations.deferredRuns.cancel(try deferredRunID(context), in: try tenantParameter(context), caller)
            return Response(status: .noContent)
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

/// The `:id` of a deferred run.
private func deferredRunID(_ context: AegisRequestContext) throws -> Int64 {
    guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
        throw APIError.badRequest("the deferred run id must be a positive integer")
    }
    return id
}

struct NewRun: APIRequestBody {
    static let fields: Set<String> = ["reference", "component", "args", "env", "stdin", "gasLimit", "deferrable"]
    var reference: String
    var component: String?
    var args: [String]?
    var env: [String: String]?
    /// Base64.
    var stdin: String?
    var gasLimit: Int64?
    /// Run in the cleanest slot before the deadline instead of now.
    var deferrable: Deferrable?

    /// `{"deadline": "<RFC 3339>"}`, and nothing else.
    struct Deferrable: Decodable {
        var deadline: String

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let unknown = container.allKeys.map(\.stringValue).filter { $0 != "deadline" }
            guard unknown.isEmpty else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath, debugDescription: "unknown members of deferrable: \(unknown.sorted().joined(separator: ", "))"
                    ))
            }
            deadline = try container.decode(String.self, forKey: Key(stringValue: "deadline"))
        }

        /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, as the contract's pattern has it; an
        /// out-of-range day rolls over (February 30 is March 2), as the calendar does.
        var deadlineDate: Date? {
            let pattern = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(Z|([+-])([0-9]{2}):([0-9]{2}))$/
            guard let match = deadline.wholeMatch(of: pattern), let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
                let hour = Int(match.4), let minute = Int(match.5), let second = Int(match.6)
            else { return nil }
            var offset = 0
            if let sign = match.9, let hours = match.10.flatMap({ Int($0) }), let minutes = match.11.flatMap({ Int($0) }) {
                offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            let fraction = match.7.flatMap { Double("0" + $0) } ?? 0
            return calendar.date(from: components).map { $0.addingTimeInterval(fraction - Double(offset)) }
        }
    }
}

/// A deferred run as the API shows it. Output is base64, like a run's.
struct DeferredRunView: Encodable {
    var id: Int64
    var state: String
    var reference: String?
    var principal: String
    var submittedAt: String
    var deadline: String
    var scheduledAt: String
    var region: String
    /// gCO2e/kWh when and where it was submitted, and forecast for its slot.
    var submitIntensity: Double
    var scheduledIntensity: Double
    var startedAt: String?
    var finishedAt: String?
    var runIntensity: Double?
    /// gCO2e the shift avoided (negative: it cost).
    var avoidedGrams: Double?
    var outcome: String?
    var gasUsed: Int64?
    var stdout: String?
    var stderr: String?

    init(_ run: DeferredRunRecord) {
        id = run.id
        state = run.state.rawValue
        reference = (try? JSONSerialization.jsonObject(with: run.request) as? [String: Any])?["reference"] as? String
        principal = run.principal
        submittedAt = run.submittedAt.ISO8601Format()
        deadline = run.deadline.ISO8601Format()
        scheduledAt = run.scheduledAt.ISO8601Format()
        region = run.region
        submitIntensity = run.submitIntensity
        scheduledIntensity = run.scheduledIntensity
        startedAt = run.startedAt?.ISO8601Format()
        finishedAt = run.finishedAt?.ISO8601Format()
        runIntensity = run.runIntensity
        avoidedGrams = run.avoidedNanograms.map { Double($0) / 1e9 }
        outcome = run.outcome
        gasUsed = run.gasUsed
        stdout = run.stdout?.base64EncodedString()
        stderr = run.stderr?.base64EncodedString()
    }
}

struct DeferredRunList: Encodable {
    var runs: [DeferredRunView]
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
