import AegisCore
import Foundation

/// A change of state, written in the same transaction as the change itself (the transactional
/// outbox): an event exists exactly when its change committed. Publishing (NATS, webhooks) reads
/// the unpublished ones and marks them, so delivery is at least once.
public struct OutboxEvent: Sendable, Hashable {
    /// Assigned by the store, increasing in commit order.
    public var id: Int64?
    /// The tenant the change belongs to; nil for registry-wide changes (users).
    public var tenant: TenantID?
    /// What happened (`manifest.pushed`, `tenant.created`, …).
    public var type: Kind
    /// What it happened to: `acme/app@sha256:…`, `acme/app:v1`, `user:alice`, `tenant:acme`.
    public var subject: String
    /// The details, a JSON object.
    public var payload: [String: JSONScalar]
    public var time: Date
    /// When a publisher delivered it; nil until then.
    public var publishedAt: Date?
    /// The W3C `traceparent` of the span that made the change, while tracing (sent on with it).
    public var traceparent: String?

    public init(
        tenant: TenantID?, type: Kind, subject: String, payload: [String: JSONScalar] = [:], time: Date, id: Int64? = nil,
        publishedAt: Date? = nil, traceparent: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.type = type
        self.subject = subject
        self.payload = payload
        self.time = time
        self.publishedAt = publishedAt
        self.traceparent = traceparent
    }

    /// An event type: `<noun>.<past participle>`.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let tenantCreated = Kind(rawValue: "tenant.created")
        public static let tenantDeleted = Kind(rawValue: "tenant.deleted")
        public static let repositoryCreated = Kind(rawValue: "repository.created")
        public static let visibilityChanged = Kind(rawValue: "repository.visibility_changed")
        public static let blobLinked = Kind(rawValue: "blob.linked")
        public static let blobUnlinked = Kind(rawValue: "blob.unlinked")
        public static let manifestPushed = Kind(rawValue: "manifest.pushed")
        public static let manifestDeleted = Kind(rawValue: "manifest.deleted")
        public static let tagMoved = Kind(rawValue: "tag.moved")
        public static let tagRemoved = Kind(rawValue: "tag.removed")
        public static let userCreated = Kind(rawValue: "user.created")
        public static let userDeleted = Kind(rawValue: "user.deleted")
        public static let userPasswordChanged = Kind(rawValue: "user.password_changed")
        public static let memberSet = Kind(rawValue: "member.set")
        public static let memberRemoved = Kind(rawValue: "member.removed")
        public static let grantSet = Kind(rawValue: "grant.set")
        public static let grantRemoved = Kind(rawValue: "grant.removed")
        public static let robotCreated = Kind(rawValue: "robot.created")
        public static let robotRevoked = Kind(rawValue: "robot.revoked")
        public static let budgetChanged = Kind(rawValue: "gas.budget_changed")
        public static let maxPriceChanged = Kind(rawValue: "gas.max_price_changed")
        public static let quotaChanged = Kind(rawValue: "storage.quota_changed")
        public static let immutabilityChanged = Kind(rawValue: "tenant.immutability_changed")
        public static let retentionChanged = Kind(rawValue: "tenant.retention_changed")
        public static let runFinished = Kind(rawValue: "run.finished")
        public static let appDeployed = Kind(rawValue: "app.deployed")
        public static let appUndeployed = Kind(rawValue: "app.undeployed")
        public static let webhookCreated = Kind(rawValue: "webhook.created")
        public static let webhookChanged = Kind(rawValue: "webhook.changed")
        public static let webhookDeleted = Kind(rawValue: "webhook.deleted")
        public static let webhookDisabled = Kind(rawValue: "webhook.disabled")
        public static let collectionFinished = Kind(rawValue: "gc.finished")

        /// Every event type (a type added above belongs here too: webhook filters accept only these).
        public static let known: [Kind] = [
            .tenantCreated,
            .tenantDeleted,
            .immutabilityChanged,
            .retentionChanged,
            .repositoryCreated,
            .visibilityChanged,
            .blobLinked,
            .blobUnlinked,
            .manifestPushed,
            .manifestDeleted,
            .tagMoved,
            .tagRemoved,
            .userCreated,
            .userDeleted,
            .userPasswordChanged,
            .memberSet,
            .memberRemoved,
            .grantSet,
            .grantRemoved,
            .robotCreated,
            .robotRevoked,
            .budgetChanged,
            .maxPriceChanged,
            .quotaChanged,
            .runFinished,
            .appDeployed,
            .appUndeployed,
            .webhookCreated,
            .webhookChanged,
            .webhookDeleted,
            .webhookDisabled,
            .collectionFinished,
        ]
        /// The raw values of `known`.
        public static let all = Set(known.map(\.rawValue))
        /// The nouns of `known` (`manifest`, `tag`, …): the families a filter may name with `.*`.
        public static let families = Set(known.compactMap { $0.rawValue.split(separator: ".").first.map(String.init) })
    }
}

/// A JSON scalar of an event payload (payloads are flat: values that filters and sinks can index).
public enum JSONScalar: Sendable, Hashable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
