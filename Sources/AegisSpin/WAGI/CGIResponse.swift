/// An HTTP response read from a WAGI module's stdout, following Spin's rules: headers up to the
/// first blank line (carriage returns ignored there), `Status: 404 Not Found` sets the status,
/// `Location` without `Status` means 302, and at least one of `Content-Type`, `Location` or
/// `Status` must be present. The body is passed through byte for byte.
public struct CGIResponse: Sendable, Hashable {
    /// A response header; names are lowercase.
    public struct Header: Sendable, Hashable {
        /// The lowercase name.
        public var name: String
        /// The value, trimmed.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP status.
    public var status: Int
    /// Headers in the order first written; a repeated name keeps its last value. `Status` is not one of them.
    public var headers: [Header]
    /// Everything after the blank line.
    public var body: [UInt8]

    /// Parses a module's stdout.
    /// - Throws: ``SpinError`` `CGI_RESPONSE_INVALID` for empty output, a missing blank line, headers
    ///   that are not UTF-8 or hold control characters, or none of the required headers.
    public init(parsing stdout: [UInt8]) throws {
        guard !stdout.isEmpty else {
            throw SpinError(.cgiResponseInvalid, "the module wrote nothing to stdout; is its executor really wagi?")
        }
        var headerBytes: [UInt8] = []
        var previous: UInt8 = 0
        var bodyStart: Int?
        for (index, byte) in stdout.enumerated() where byte != UInt8(ascii: "\r") {
            if byte == UInt8(ascii: "\n"), previous == UInt8(ascii: "\n") {
                bodyStart = index + 1
                break
            }
            previous = byte
            headerBytes.append(byte)
        }
        guard let bodyStart else {
            throw SpinError(.cgiResponseInvalid, "no blank line ends the CGI headers")
        }
        guard let headerText = String(validating: headerBytes, as: UTF8.self) else {
            throw SpinError(.cgiResponseInvalid, "CGI headers are not UTF-8")
        }
        status = 200
        headers = []
        body = Array(stdout[bodyStart...])
        try apply(Self.headerFields(headerText))
    }

    private mutating func apply(_ fields: [Header]) throws {
        var sufficient = false
        var explicitStatus = false
        for field in fields {
            switch field.name {
            case "status":
                sufficient = true
                explicitStatus = true
                // "Status: CODE [REASON]"; an unreadable code is the module's fault: 502.
                let code = field.value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
                status = code.utf8.count == 3 ? Int(code).flatMap { (100...999).contains($0) ? $0 : nil } ?? 502 : 502
            case "location":
                sufficient = true
                if !explicitStatus { status = 302 }
                try append(field)
            case "content-type":
                sufficient = true
                try append(field)
            default:
                // Spin drops fields whose name is not a valid HTTP token.
                if !field.name.isEmpty, field.name.utf8.allSatisfy(Self.isTokenByte) { try append(field) }
            }
        }
        guard sufficient else {
            throw SpinError(.cgiResponseInvalid, "Exactly one of 'location' or 'content-type' must be specified")
        }
    }

    private mutating func append(_ field: Header) throws {
        guard field.value.utf8.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
            throw SpinError(.cgiResponseInvalid, "header '\(field.name)' has a control character in its value")
        }
        headers.append(field)
    }

    /// `name: value` lines; lines without a colon are skipped, a repeated name keeps its first
    /// position and its last value (Spin collects them in a map).
    private static func headerFields(_ text: String) -> [Header] {
        var fields: [Header] = []
        for line in text.trimmingWhitespace().split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = Header(
                name: line[..<colon].trimmingWhitespace().lowercased(), value: line[line.index(after: colon)...].trimmingWhitespace())
            if let existing = fields.firstIndex(where: { $0.name == field.name }) {
                fields[existing] = field
            } else {
                fields.append(field)
            }
        }
        return fields
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
