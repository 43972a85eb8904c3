import AegisCore
import AegisStore
import Foundation

/// An outbox event as a CloudEvents 1.0 structured JSON document, the form every sink sends.
struct CloudEvent: Encodable {
    var specversion = "1.0"
    var id: String
    var source: String
    var type: String
    var subject: String
    var time: String
    var datacontenttype = "application/json"
    /// Extension attribute: the tenant (absent for registry-wide changes).
    var tenant: String?
    var data: [String: JSONScalar]

    /// The most a document may take; a larger payload is replaced by `{"truncated": true}`.
    static let maxBytes = 64 * 1024

    init(_ event: OutboxEvent, source: String) {
        id = String(event.id ?? 0)
        self.source = source
        type = "org.aegisguard." + event.type.rawValue
        subject = event.subject
        time = event.time.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true))
        tenant = event.tenant?.value
        data = event.payload
    }

    /// The JSON bytes, within `maxBytes`.
    func encoded() -> [UInt8] {
        var document = self
        if let bytes = try? Self.encoder.encode(document), bytes.count <= Self.maxBytes { return Array(bytes) }
        document.data = ["truncated": true]
        return Array((try? Self.encoder.encode(document)) ?? Data())
    }

    /// Made once: keys sorted, so equal events are equal bytes.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `aegis.<tenant>.<type>`; a tenant's dots become `~` (not in tenant names) so that the
    /// tenant stays one subject token; registry-wide events are under `_registry`.
    static func natsSubject(_ event: OutboxEvent) -> String {
        "aegis.\(event.tenant?.value.replacingOccurrences(of: ".", with: "~") ?? "_registry").\(event.type.rawValue)"
    }
}
