import AegisCore
import Foundation

/// A tenant's subscription: the events of its types are POSTed to its URL, signed with its secret.
public struct WebhookRecord: Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    public var tenant: TenantID
    public var url: String
    /// Event types (`manifest.pushed`) or families (`manifest.*`); empty takes every event.
    public var types: [String]
    /// The signing secret (`whsec_` and base64), sent to its owner once.
    public var secret: String
    public var enabled: Bool
    /// Failed attempts since the last success: the webhook is disabled at the configured limit.
    public var consecutiveFailures: Int
    public var createdAt: Date
    /// When it was disabled for failing; nil while enabled or when disabled by hand.
    public var disabledAt: Date?

    public init(
        id: Int64? = nil, tenant: TenantID, url: String, types: [String], secret: String, enabled: Bool = true, consecutiveFailures: Int = 0,
        createdAt: Date, disabledAt: Date? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.url = url
        self.types = types
        self.secret = secret
        self.enabled = enabled
        self.consecutiveFailures = consecutiveFailures
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    /// Whether the webhook takes events of `type`.
    public func accepts(_ type: OutboxEvent.Kind) -> Bool {
        types.isEmpty
            || types.contains { filter in
                filter.hasSuffix(".*") ? type.rawValue.hasPrefix(filter.dropLast()) : filter == type.rawValue
            }
    }
}

/// One event's delivery to one webhook: its attempts and where they stand.
public struct WebhookDeliveryRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Waiting for its next attempt.
        case pending
        /// A 2xx answer came.
        case delivered
        /// Every attempt failed, or the webhook was deleted or disabled first.
        case failed
    }

    public var id: Int64?
    public var webhook: Int64
    public var event: Int64
    public var state: State
    public var attempts: Int
    /// When the next attempt is due (pending only).
    public var nextAttemptAt: Date?
    public var lastAttemptAt: Date?
    /// The HTTP status of the last answer; nil when none came.
    public var statusCode: Int?
    /// Why the last attempt failed.
    public var error: String?
    /// Seconds from the request to the answer of the last attempt.
    public var latency: Double?
    public var createdAt: Date

    public init(
        id: Int64? = nil, webhook: Int64, event: Int64, state: State = .pending, attempts: Int = 0, nextAttemptAt: Date?,
        lastAttemptAt: Date? = nil, statusCode: Int? = nil, error: String? = nil, latency: Double? = nil, createdAt: Date
    ) {
        self.id = id
        self.webhook = webhook
        self.event = event
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.statusCode = statusCode
        self.error = error
        self.latency = latency
        self.createdAt = createdAt
    }
}

/// A delivery that is due, with what sending it needs.
public struct DueDelivery: Sendable, Hashable {
    public var delivery: WebhookDeliveryRecord
    public var webhook: WebhookRecord
    public var event: OutboxEvent

    public init(delivery: WebhookDeliveryRecord, webhook: WebhookRecord, event: OutboxEvent) {
        self.delivery = delivery
        self.webhook = webhook
        self.event = event
    }
}
