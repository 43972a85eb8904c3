import Foundation
import Logging
import Synchronization

/// One JSON object per line (`log_format = "json"`), for log aggregation: `time` (RFC 3339, UTC,
/// milliseconds), `level`, `logger`, `message`, `source`, then the metadata — the request's id as
/// `request_id`, `trace_id` and `span_id` while tracing. Credentials in URLs (`scheme://user:secret@`)
/// are masked wherever they appear, as a last guard: nothing logs secrets on purpose.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: Output

    /// Where lines go: standard error, or a test's capture.
    public final class Output: Sendable {
        let write: @Sendable ([UInt8]) -> Void

        public init(_ write: @escaping @Sendable ([UInt8]) -> Void) { self.write = write }

        /// Standard error, one `write` per line so that lines from several threads never interleave.
        public static let standardError = Output { line in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(STDERR_FILENO, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    public init(label: String, output: Output = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, provided in provided } }
        if let extra = event.metadata { fields.merge(extra) { _, extra in extra } }
        var line = "{\"time\":" + Self.quoted(Self.timeFormat.format(Date()))
        line += ",\"level\":" + Self.quoted(event.level.rawValue)
        line += ",\"logger\":" + Self.quoted(label)
        line += ",\"message\":" + Self.quoted(Self.masked(event.message.description))
        line += ",\"source\":" + Self.quoted("\(event.source)/\(event.file.split(separator: "/").last ?? ""):\(event.line)")
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            let name = key == "hb.request.id" ? "request_id" : key
            guard !Self.reserved.contains(name) else { continue }
            line += "," + Self.quoted(name) + ":" + Self.json(value)
        }
        line += "}\n"
        output.write(Array(line.utf8))
    }

    /// The fields every line has: metadata of the same name does not replace them.
    static let reserved: Set<String> = ["time", "level", "logger", "message", "source"]

    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(masked(text))
        case .stringConvertible(let convertible): quoted(masked(convertible.description))
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted(by: { $0.key < $1.key }).map { quoted($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `scheme://user:secret@host` → `scheme://user:***@host`.
    static func masked(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        return text.replacing(/(?<prefix>[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s\/@:]*):[^\s\/@]+@/) { match in "\(match.output.prefix):***@" }
    }
}
