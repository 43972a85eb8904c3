import AegisCore
import AegisStore
import Foundation

/// An outbox event as a CloudEvents 1.0 structured JSON document, the form every sink sends.
public struct CloudEvent: Encodable, Sendable {
    public var specversion = "1.0"
    public var id: String
    public var source: String
    public var type: String
    public var subject: String
    public var time: String
    public var datacontenttype = "application/json"
    /// Extension attribute: the tenant (absent for registry-wide changes).
    public var tenant: String?
    public var data: [String: JSONScalar]

    /// The most a document may take; a larger payload is replaced by `{"truncated": true}`.
    public static let maxBytes = 64 * 1024

    public init(_ event: OutboxEvent, source: String) {
        id = String(event.id ?? 0)
        self.source = source
        type = "org.aegisguard." + event.type.rawValue
        subject = event.subject
        time = Self.timeFormat.format(event.time)
        tenant = event.tenant?.value
        data = event.payload
    }

    /// The JSON bytes, within `maxBytes`.
    public func encoded() -> [UInt8] {
        var document = self
        if let bytes = try? Self.encoder.encode(document), bytes.count <= Self.maxBytes { return Array(bytes) }
        document.data = ["truncated": true]
        return Array((try? Self.encoder.encode(document)) ?? Data())
    }

    /// RFC 3339 in UTC with milliseconds, as CloudEvents requires: `2026-12-03T16:40:00.123Z`.
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Made once: keys sorted, so equal events are equal bytes.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `aegis.<tenant>.<type>`; a tenant's dots become `~` (not in tenant names) so that the
    /// tenant stays one subject token; registry-wide events are under `_registry`.
    public static func natsSubject(_ event: OutboxEvent) -> String {
        "aegis.\(event.tenant?.value.replacingOccurrences(of: ".", with: "~") ?? "_registry").\(event.type.rawValue)"
    }
}
