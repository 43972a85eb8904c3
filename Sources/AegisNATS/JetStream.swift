import Foundation

/// The two JetStream operations the event publisher needs, over the JetStream API subjects
/// (`$JS.API.…`, JSON requests and replies): making sure a stream exists, and publishing with a
/// message id so that a retried publish is stored once.
public struct JetStream: Sendable {
    public let connection: NATSConnection
    public let timeout: Duration

    public init(_ connection: NATSConnection, timeout: Duration = .seconds(5)) {
        self.connection = connection
        self.timeout = timeout
    }

    /// The server's acknowledgement of a stored message.
    public struct PubAck: Sendable, Decodable, Equatable {
        public var stream: String
        public var seq: UInt64
        /// True when a message with the same `Nats-Msg-Id` was stored before (within the stream's
        /// duplicate window): the retry was not stored again.
        public var duplicate: Bool?
    }

    /// A JetStream API error (`{"error":{"code":…,"err_code":…,"description":…}}`).
    public struct APIError: Error, Sendable, Decodable, Equatable, CustomStringConvertible {
        public var code: Int
        public var errCode: Int?
        public var description: String

        enum CodingKeys: String, CodingKey {
            case code, description
            case errCode = "err_code"
        }
    }

    private struct Reply<Value: Decodable>: Decodable {
        var error: APIError?
        var value: Value?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            error = try container.decodeIfPresent(APIError.self, forKey: .error)
            value = error == nil ? try Value(from: decoder) : nil
        }

        enum Key: String, CodingKey { case error }
    }

    /// Publishes `payload` to `subject` with `Nats-Msg-Id: id` and waits for the PubAck.
    /// - Throws: `APIError` (no stream takes the subject: `NATSError.noResponders`), `NATSError`.
    public func publish(_ subject: String, id: String, headers: [(String, String)] = [], payload: [UInt8]) async throws -> PubAck {
        let reply = try await connection.request(subject, headers: [("Nats-Msg-Id", id)] + headers, payload: payload, timeout: timeout)
        return try decode(PubAck.self, reply.payload)
    }

    /// A message of a batch: its `Nats-Msg-Id` and any other headers.
    public struct Message: Sendable {
        public var subject: String
        public var id: String
        public var headers: [(String, String)]
        public var payload: [UInt8]

        public init(subject: String, id: String, headers: [(String, String)] = [], payload: [UInt8]) {
            self.subject = subject
            self.id = id
            self.headers = headers
            self.payload = payload
        }
    }

    /// Publishes the messages in order in one write (see `NATSConnection.requests`), each with its
    /// `Nats-Msg-Id`, and returns each one's PubAck or error, in order.
    public func publish(_ messages: [Message]) async -> [Result<PubAck, any Error>] {
        let replies = await connection.requests(
            messages.map {
                NATSConnection.Outgoing(subject: $0.subject, headers: [("Nats-Msg-Id", $0.id)] + $0.headers, payload: $0.payload)
            },
            timeout: timeout)
        return replies.map { reply in
            Result { try decode(PubAck.self, try reply.get().payload) }
        }
    }

    /// Creates the stream (file storage, the given subjects, `duplicateWindow` for `Nats-Msg-Id`
    /// deduplication) unless it exists; an existing stream is left as it is.
    /// - Returns: whether it was created.
    @discardableResult
    public func ensureStream(_ name: String, subjects: [String], duplicateWindow: Duration = .seconds(120), maxAge: Duration? = nil)
        async throws -> Bool
    {
        struct Info: Decodable {}
        do {
            _ = try decode(Info.self, try await connection.request("$JS.API.STREAM.INFO.\(name)", payload: [], timeout: timeout).payload)
            return false
        } catch let error as APIError where error.errCode == 10059 {
            // stream not found: create it below
        }
        var config: [String: Any] = [
            "name": name, "subjects": subjects, "storage": "file", "retention": "limits",
            "duplicate_window": Int64(duplicateWindow.components.seconds) * 1_000_000_000,
        ]
        if let maxAge { config["max_age"] = Int64(maxAge.components.seconds) * 1_000_000_000 }
        let body = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        let reply = try await connection.request("$JS.API.STREAM.CREATE.\(name)", payload: Array(body), timeout: timeout)
        _ = try decode(Info.self, reply.payload)
        return true
    }

    private func decode<Value: Decodable>(_ type: Value.Type, _ payload: [UInt8]) throws -> Value {
        let reply: Reply<Value>
        do {
            reply = try JSONDecoder().decode(Reply<Value>.self, from: Data(payload))
        } catch {
            throw NATSError.protocolViolation("a JetStream reply that does not decode: \(String(decoding: payload.prefix(200), as: UTF8.self))")
        }
        if let error = reply.error { throw error }
        guard let value = reply.value else { throw NATSError.protocolViolation("an empty JetStream reply") }
        return value
    }
}
