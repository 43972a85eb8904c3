import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The management API, `/api/v1`: an adapter over `Operations` (parse the request, call the
/// operation, render its answer as JSON). Errors are problem+json with the operation's `code`; the
/// same credentials as `/v2` (Basic or a bearer token). Its contract is `API/openapi.json`, compiled in and served at
/// `/api/v1/openapi.json`.
struct APIController: Sendable {
    let gate: AccessGate
    let operations: Operations
    let wagi: WAGIController
    /// The CloudEvents `source` of the event log's documents.
    let eventSource: String

    /// Largest JSON body accepted.
    static let maxBodyBytes = 64 * 1024

    /// Every route: registered below, and used by `APIFallbackMiddleware` to answer 405 or 404.
    static let routes: [(String, [HTTPRequest.Method])] = [
        ("/api/v1/openapi.json", [.get, .head]), ("/api/v1/me", [.get, .head]), ("/api/v1/tenants", [.get, .head, .post]),
        ("/api/v1/tenants/:tenant", [.get, .head, .delete]), ("/api/v1/tenants/:tenant/visibility", [.put]),
        ("/api/v1/tenants/:tenant/immutability", [.get, .head, .put]), ("/api/v1/tenants/:tenant/retention", [.get, .head, .put]),
        ("/api/v1/tenants/:tenant/retention/plan", [.get, .head]), ("/api/v1/tenants/:tenant/retention/apply", [.post]),
        ("/api/v1/tenants/:tenant/members", [.get, .head]), ("/api/v1/tenants/:tenant/members/:user", [.put, .delete]),
        ("/api/v1/tenants/:tenant/robots", [.get, .head, .post]), ("/api/v1/tenants/:tenant/robots/:robot", [.delete]),
        ("/api/v1/tenants/:tenant/audit", [.get, .head]), ("/api/v1/audit", [.get, .head]), ("/api/v1/users", [.get, .head, .post]),
        ("/api/v1/users/:user", [.delete]), ("/api/v1/tenants/:tenant/grants", [.get, .head, .put, .delete]),
        ("/api/v1/gas/schedule", [.get, .head]), ("/api/v1/tenants/:tenant/gas/invoice", [.get, .head]),
        ("/api/v1/carbon/hotspots", [.get, .head]), ("/api/v1/tenants/:tenant/carbon", [.get, .head]),
        ("/api/v1/tenants/:tenant/carbon/export", [.get, .head]),
        ("/api/v1/tenants/:tenant/gas/budget", [.put, .delete]), ("/api/v1/gas/prices", [.get, .head]),
        ("/api/v1/tenants/:tenant/gas/max-price", [.put, .delete]), ("/api/v1/tenants/:tenant/storage", [.get, .head]),
        ("/api/v1/tenants/:tenant/storage/quota", [.put, .delete]), ("/api/v1/tenants/:tenant/storage/hints", [.get, .head]),
        ("/api/v1/tenants/:tenant/runs", [.get, .head, .post]),
        ("/api/v1/tenants/:tenant/runs/deferred", [.get, .head]), ("/api/v1/tenants/:tenant/runs/deferred/:id", [.get, .head, .delete]),
        ("/api/v1/tenants/:tenant/apps", [.get, .head]),
        ("/api/v1/tenants/:tenant/apps/:app", [.put, .delete]), ("/api/v1/events", [.get, .head]),
        ("/api/v1/tenants/:tenant/events", [.get, .head]), ("/api/v1/tenants/:tenant/webhooks", [.get, .head, .post]),
        ("/api/v1/tenants/:tenant/webhooks/:webhook", [.get, .head, .patch, .delete]),
        ("/api/v1/tenants/:tenant/webhooks/:webhook/deliveries", [.get, .head]),
    ]

    func addRoutes(to router: Router<AegisRequestContext>) {
        router.add(middleware: APIFallbackMiddleware(routes: Self.routes))
        let api = router.group("/api/v1")
        api.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        api.get("me") { request, context in try await me(request, context) }
        addTenantRoutes(to: api)
        addUserRoutes(to: api)
        addMemberRoutes(to: api)
        addRobotRoutes(to: api)
        addGrantRoutes(to: api)
        addGasRoutes(to: api)
        addCarbonRoutes(to: api)
        addStorageRoutes(to: api)
        addRetentionRoutes(to: api)
        addAuditRoutes(to: api)
        addRunRoutes(to: api)
        addAppRoutes(to: api)
        addEventRoutes(to: api)
    }

    private func me(_ request: Request, _ context: AegisRequestContext) async throws -> Response {
        let principal = try await caller(request, context).principal
        return try json(
            Me(
                name: principal.name, kind: principal.kind.rawValue, systemAdmin: principal.isSystemAdmin,
                roles: Dictionary(uniqueKeysWithValues: principal.roles.map { ($0.key.value, $0.value.rawValue) })))
    }

    /// The caller of an API request; anonymous callers get 401 with a challenge. The request's
    /// gas is attributed to it.
    func caller(_ request: Request, _ context: AegisRequestContext) async throws -> Caller {
        let principal = try await gate.apiPrincipal(request, context: context)
        guard principal.kind != .anonymous else { throw gate.authenticationRequired(request) }
        context.gas?.attribute(to: principal.description)
        return Caller(principal: principal, requestID: context.id, meter: context.gas)
    }

    func tenantParameter(_ context: AegisRequestContext) throws -> TenantID {
        guard let text = context.parameters.get("tenant"), let tenant = try? TenantID(text) else {
            throw APIError.notFound("tenant does not exist")
        }
        return tenant
    }

    /// The `limit` query parameter: 1…`maximum`, `default` when absent.
    func pageLimit(_ request: Request, default fallback: Int, maximum: Int) throws -> Int {
        guard let text = request.query("limit") else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else { throw APIError.badRequest("limit must be 1 to \(maximum)") }
        return value
    }

    /// Decodes a JSON body of at most `maxBodyBytes`; members the type does not know are refused,
    /// so a misspelt field is an error rather than silently ignored.
    func decode<T: APIRequestBody>(_ type: T.Type, from request: Request, limit: Int = Self.maxBodyBytes) async throws -> T {
        var request = request
        let data = Data(try await request.collectSmallBody(upTo: limit).readableBytesView)
        do {
            try StrictJSON.validate(data)
        } catch let violation as StrictJSON.Violation {
            throw APIError.badRequest("the body is not strict JSON: \(violation)")
        }
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            let unknown = Set(object.keys).subtracting(T.fields)
            guard unknown.isEmpty else { throw APIError.badRequest("unknown members: \(unknown.sorted().joined(separator: ", "))") }
            // Optional members are omitted, never null.
            let nulls = object.filter { $0.value is NSNull }.keys
            guard nulls.isEmpty else { throw APIError.badRequest("members may not be null: \(nulls.sorted().joined(separator: ", "))") }
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw APIError.badRequest("the body is not the expected JSON object: \(Self.describe(error))")
        }
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.registry.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: "malformed JSON"
        }
    }
}

/// A JSON request body with the members it may have.
protocol APIRequestBody: Decodable {
    static var fields: Set<String> { get }
}

struct Me: Encodable {
    var name: String
    var kind: String
    var systemAdmin: Bool
    var roles: [String: String]
}
