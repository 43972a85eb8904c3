import Foundation
import NIOCore

/// What the server sends (the NATS client protocol: https://docs.nats.io/reference/reference-protocols/nats-protocol).
public enum NATSServerOperation: Sendable, Equatable {
    /// `INFO {json}`: the server's identity and options (`tls_required`, `headers`, `max_payload`, …).
    case info(String)
    /// `MSG` / `HMSG`: a message on a subscription, with its headers (HMSG only).
    case message(NATSMessage)
    case ping
    case pong
    case ok
    /// `-ERR 'text'`.
    case error(String)
}

/// A message delivered on a subscription.
public struct NATSMessage: Sendable, Equatable {
    public var subject: String
    public var subscription: String
    public var replyTo: String?
    /// The status line of an HMSG (`NATS/1.0 503` for no responders), and its headers.
    public var status: Int?
    public var headers: [(String, String)]
    public var payload: [UInt8]

    public init(subject: String, subscription: String, replyTo: String?, status: Int?, headers: [(String, String)], payload: [UInt8]) {
        self.subject = subject
        self.subscription = subscription
        self.replyTo = replyTo
        self.status = status
        self.headers = headers
        self.payload = payload
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.subject == b.subject && a.subscription == b.subscription && a.replyTo == b.replyTo && a.status == b.status
            && a.headers.map { [$0.0, $0.1] } == b.headers.map { [$0.0, $0.1] } && a.payload == b.payload
    }

    /// The first header of that name (case-insensitive, as NATS headers are MIME-style).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A protocol violation by the server (the connection cannot continue).
public struct NATSProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Splits the server's byte stream into operations. Control lines end in CRLF; MSG and HMSG are
/// followed by exactly the announced number of bytes and a CRLF. Lines and payloads are bounded by
/// `maxPayload` (the server's own limit, 1 MiB by default) so a broken server cannot make it buffer
/// without end.
struct NATSDecoder: ByteToMessageDecoder {
    typealias InboundOut = NATSServerOperation
    let maxPayload: Int
    static let maxControlLine = 4096

    init(maxPayload: Int = 8 << 20) {
        self.maxPayload = maxPayload
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let operation = try Self.parse(&buffer, maxPayload: maxPayload) else { return .needMoreData }
        context.fireChannelRead(NIOAny(operation))
        return .continue
    }

    /// One operation from the front of `buffer`, consuming it; nil (consuming nothing) when incomplete.
    static func parse(_ buffer: inout ByteBuffer, maxPayload: Int) throws -> NATSServerOperation? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > maxControlLine { throw NATSProtocolError("a control line longer than \(maxControlLine) bytes") }
            return nil
        }
        let lineLength = newline - view.startIndex + 1
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        let (verb, rest) = split(line)
        switch verb.uppercased() {
        case "PING":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .ping
        case "PONG":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .pong
        case "+OK":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .ok
        case "-ERR":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .error(rest.trimming("' "))
        case "INFO":
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .info(rest)
        case "MSG", "HMSG":
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let withHeaders = verb.uppercased() == "HMSG"
            let counts = withHeaders ? 2 : 1
            guard fields.count == 2 + counts || fields.count == 3 + counts else { throw NATSProtocolError("malformed \(verb): \(line)") }
            guard let total = Int(fields[fields.count - 1]), total >= 0, total <= maxPayload else {
                throw NATSProtocolError("a \(verb) of an invalid or too large size: \(line)")
            }
            let headerLength = withHeaders ? Int(fields[fields.count - 2]) ?? -1 : 0
            guard headerLength >= 0, headerLength <= total else { throw NATSProtocolError("malformed header length: \(line)") }
            guard view.count >= lineLength + total + 2 else { return nil }
            buffer.moveReaderIndex(forwardBy: lineLength)
            guard let body = buffer.readBytes(length: total) else { return nil }
            guard buffer.readBytes(length: 2) == [UInt8(ascii: "\r"), UInt8(ascii: "\n")] else {
                throw NATSProtocolError("a \(verb) payload not followed by CRLF")
            }
            let replyTo = fields.count == 3 + counts ? fields[2] : nil
            var message = NATSMessage(
                subject: fields[0], subscription: fields[1], replyTo: replyTo, status: nil, headers: [],
                payload: Array(body[headerLength...]))
            if withHeaders { try parseHeaders(Array(body[..<headerLength]), into: &message) }
            return .message(message)
        default:
            throw NATSProtocolError("unknown operation: \(line.prefix(80))")
        }
    }

    /// `NATS/1.0[ status[ description]]\r\nName: value\r\n…\r\n`.
    static func parseHeaders(_ bytes: [UInt8], into message: inout NATSMessage) throws {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasPrefix("NATS/1.0") else { throw NATSProtocolError("headers without NATS/1.0") }
        let status = first.dropFirst("NATS/1.0".count).split(separator: " ").first.flatMap { Int($0) }
        message.status = status
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw NATSProtocolError("a header line without ':'") }
            message.headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimming(" ")))
        }
    }

    private static func split(_ line: String) -> (String, String) {
        guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (line, "") }
        return (String(line[..<space]), String(line[space...].drop { $0 == " " || $0 == "\t" }))
    }
}

/// Client operations, written as bytes.
enum NATSClientOperation {
    static func connect(_ json: String) -> String { "CONNECT \(json)\r\n" }
    static let ping = "PING\r\n"
    static let pong = "PONG\r\n"

    static func subscribe(_ subject: String, id: String) -> String { "SUB \(subject) \(id)\r\n" }

    /// `HPUB subject [reply] hdrlen totlen`, the headers block and the payload; `PUB` without headers.
    static func publish(_ subject: String, replyTo: String?, headers: [(String, String)], payload: [UInt8], into buffer: inout ByteBuffer) {
        let reply = replyTo.map { " \($0)" } ?? ""
        guard !headers.isEmpty else {
            buffer.writeString("PUB \(subject)\(reply) \(payload.count)\r\n")
            buffer.writeBytes(payload)
            buffer.writeString("\r\n")
            return
        }
        var block = "NATS/1.0\r\n"
        for (name, value) in headers { block += "\(name): \(value)\r\n" }
        block += "\r\n"
        let headerLength = block.utf8.count
        buffer.writeString("HPUB \(subject)\(reply) \(headerLength) \(headerLength + payload.count)\r\n")
        buffer.writeString(block)
        buffer.writeBytes(payload)
        buffer.writeString("\r\n")
    }
}

extension String {
    fileprivate func trimming(_ set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
