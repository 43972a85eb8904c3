import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addEventRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/events") { request, context in
            try await eventPage(tenant: try tenantParameter(context), request: request, caller: try await caller(request, context))
        }
        api.get("events") { request, context in
            try await eventPage(tenant: nil, request: request, caller: try await caller(request, context))
        }
        api.get("tenants/:tenant/webhooks") { request, context in
            let caller = try await caller(request, context)
            let webhooks = try await operations.webhooks.list(in: try tenantParameter(context), caller)
            return try json(WebhookList(webhooks: webhooks.map { WebhookView($0, showingSecret: false) }))
        }
        api.post("tenants/:tenant/webhooks") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewWebhook.self, from: request)
            let webhook = try await operations.webhooks.create(url: body.url, types: body.types ?? [], secret: body.secret, in: tenant, caller)
            return try json(WebhookView(webhook, showingSecret: true), status: .created)
        }
        api.get("tenants/:tenant/webhooks/:webhook") { request, context in
            let caller = try await caller(request, context)
            let webhook = try await operations.webhooks.get(try webhookParameter(context), in: try tenantParameter(context), caller)
            return try json(WebhookView(webhook, showingSecret: false))
        }
        api.patch("tenants/:tenant/webhooks/:webhook") { request, context in
            let caller = try await caller(request, context)
            let (tenant, id) = (try tenantParameter(context), try webhookParameter(context))
            let body = try await decode(WebhookChange.self, from: request)
            let webhook = try await operations.webhooks.update(id, url: body.url, types: body.types, enabled: body.enabled, in: tenant, caller)
            return try json(WebhookView(webhook, showingSecret: false))
        }
        api.delete("tenants/:tenant/webhooks/:webhook") { request, context in
            let caller = try await caller(request, context)
            try await operations.webhooks.delete(try webhookParameter(context), in: try tenantParameter(context), caller)
            return Response(status: .noContent)
        }
        api.get("tenants/:tenant/webhooks/:webhook/deliveries") { request, context in
            let caller = try await caller(request, context)
            let limit = try pageLimit(request, default: 100, maximum: 1000)
            let deliveries = try await operations.webhooks.deliveries(
                of: try webhookParameter(context), in: try tenantParameter(context),
                before: try positiveID(request.query("before"), what: "delivery"), limit: limit, caller)
            return try json(DeliveryPage(deliveries: deliveries.map(DeliveryView.init), next: deliveries.count == limit ? deliveries.last?.id : nil))
        }
    }

    /// Oldest first; `after` is the `next` of the page before, `type` (repeatable, or comma-separated)
    /// keeps the events of those types, `limit` 1…1000 (default 100).
    private func eventPage(tenant: TenantID?, request: Request, caller: Caller) async throws -> Response {
        let limit = try pageLimit(request, default: 100, maximum: 1000)
        var after: Int64?
        if let text = request.query("after") {
            guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("after must be an event id (a non-negative integer)") }
            after = value
        }
        var types: Set<OutboxEvent.Kind> = []
        for value in request.uri.queryParameters.getAll("type") {
            // An empty name ("type=", "a,,b") is refused like an unknown one.
            for name in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard OutboxEvent.Kind.all.contains(String(name)) else { throw APIError.badRequest("type: '\(name)' is not an event type") }
                types.insert(OutboxEvent.Kind(rawValue: String(name)))
            }
        }
        let events = try await operations.events.events(of: tenant, after: after, types: types, limit: limit, caller)
        return try json(EventPage(events: events.map { CloudEvent($0, source: eventSource) }, next: events.last?.id ?? after))
    }

    private func webhookParameter(_ context: AegisRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("webhook"), let id = Int64(text), id > 0 else {
            throw APIError.notFound("webhook does not exist")
        }
        return id
    }
}

struct EventPage: Encodable {
    /// CloudEvents 1.0 documents, as NATS and webhooks get them.
    var events: [CloudEvent]
    /// Pass as `after` for what comes next (the same when nothing new came).
    var next: Int64?
}

struct WebhookView: Encodable {
    var id: Int64
    var url: String
    var types: [String]
    var enabled: Bool
    var consecutiveFailures: Int
    var createdAt: String
    var disabledAt: String?
    /// The signing secret: only in the answer that creates the webhook.
    var secret: String?

    init(_ record: WebhookRecord, showingSecret: Bool) {
        id = record.id ?? 0
        url = record.url
        types = record.types
        enabled = record.enabled
        consecutiveFailures = record.consecutiveFailures
        createdAt = record.createdAt.ISO8601Format()
        disabledAt = record.disabledAt?.ISO8601Format()
        secret = showingSecret ? record.secret : nil
    }
}

struct WebhookList: Encodable {
    var webhooks: [WebhookView]
}

struct DeliveryView: Encodable {
    var id: Int64
    var event: Int64
    var state: String
    var attempts: Int
    var nextAttemptAt: String?
    var lastAttemptAt: String?
    var statusCode: Int?
    var error: String?
    var latencyMs: Double?
    var createdAt: String

    init(_ record: WebhookDeliveryRecord) {
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        id = record.id ?? 0
        event = record.event
        state = record.state.rawValue
        attempts = record.attempts
        nextAttemptAt = record.nextAttemptAt.map(format.format)
        lastAttemptAt = record.lastAttemptAt.map(format.format)
        statusCode = record.statusCode
        error = record.error
        latencyMs = record.latency.map { ($0 * 1e6).rounded() / 1e3 }
        createdAt = format.format(record.createdAt)
    }
}

struct DeliveryPage: Encodable {
    var deliveries: [DeliveryView]
    /// Pass as `before` for the next (older) page; absent on the last page.
    var next: Int64?
}

struct NewWebhook: APIRequestBody {
    static let fields: Set<String> = ["url", "types", "secret"]
    var url: String
    var types: [String]?
    var secret: String?
}

struct WebhookChange: APIRequestBody {
    static let fields: Set<String> = ["url", "types", "enabled"]
    var url: String?
    var types: [String]?
    var enabled: Bool?
}
