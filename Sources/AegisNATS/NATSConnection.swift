import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Where and how to reach a NATS server: `nats://[user:password@|token@]host:port` or `tls://…`.
public struct NATSServerAddress: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var tls: Bool
    public var user: String?
    public var password: String?
    public var token: String?

    /// - Throws: `NATSError.invalidURL`.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["nats", "tls"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { throw NATSError.invalidURL(url) }
        self.host = host
        port = components.port ?? 4222
        tls = scheme == "tls"
        if let user = components.user {
            if let password = components.password {
                self.user = user.removingPercentEncoding ?? user
                self.password = password.removingPercentEncoding ?? password
            } else {
                token = user.removingPercentEncoding ?? user
            }
        }
    }
}

/// Why a NATS operation failed.
public enum NATSError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// `-ERR` from the server (authorization violation, maximum payload exceeded, …).
    case server(String)
    case timedOut
    /// The connection closed (the pending operation's outcome is unknown).
    case closed
    /// A request to a subject nobody answers (status 503).
    case noResponders
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "not a nats:// or tls:// URL: \(url)"
        case .server(let message): "the NATS server refused: \(message)"
        case .timedOut: "no answer from the NATS server in time"
        case .closed: "the NATS connection closed"
        case .noResponders: "no responders for the request's subject"
        case .protocolViolation(let message): "NATS protocol violation: \(message)"
        }
    }
}

/// A small NATS client on SwiftNIO: one connection, publish with headers, request/reply on one
/// inbox subscription, PING/PONG, TLS when the URL or the server asks for it. It does not reconnect:
/// its owner (the event publisher) makes a new connection with backoff, which keeps this small.
///
/// No Swift NATS client is among the packages this project builds with, so this one is written here,
/// to the protocol document; it is tested against a real `nats-server` (see `AegisNATSTests`).
public final class NATSConnection: Sendable {
    private struct State {
        var info: CheckedContinuation<String, any Error>?
        var pongs: [CheckedContinuation<Void, any Error>] = []
        var requests: [String: CheckedContinuation<NATSMessage, any Error>] = [:]
        var closed = false
        var lastError: String?
    }

    private let channel: any Channel
    private let state = Mutex(State())
    private let inbox: String
    private let counter = Atomic<Int>(0)
    /// The server's INFO.
    public let serverInfo: ServerInfo

    /// The fields of the server's INFO this client reads.
    public struct ServerInfo: Sendable, Decodable, Equatable {
        public var serverID: String?
        public var version: String?
        public var tlsRequired: Bool?
        public var headers: Bool?
        public var maxPayload: Int?
        public var jetStream: Bool?

        enum CodingKeys: String, CodingKey {
            case version, headers
            case serverID = "server_id"
            case tlsRequired = "tls_required"
            case maxPayload = "max_payload"
            case jetStream = "jetstream"
        }
    }

    private init(channel: any Channel, inbox: String, serverInfo: ServerInfo) {
        self.channel = channel
        self.inbox = inbox
        self.serverInfo = serverInfo
    }

    /// Connects, upgrades to TLS when asked (`tls://`, or `tls_required` in the server's INFO),
    /// authenticates and waits for the server to confirm (a PONG).
    /// - Parameter tlsConfiguration: how to verify the server (defaults to the system's trust roots).
    /// - Throws: `NATSError` (`server` for a refused login), or the connection's error.
    public static func connect(
        to address: NATSServerAddress, name: String = "aegisguard", tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        timeout: Duration = .seconds(10), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> NATSConnection {
        let box = ConnectionBox()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(Int64(timeout.components.seconds)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSDecoder()))
                    try channel.pipeline.syncOperations.addHandler(NATSInboundHandler(box: box))
                }
            }
            .connect(host: address.host, port: address.port).get()
        let inbox = "_INBOX." + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let connection: NATSConnection
        do {
            let infoText = try await withDeadline(timeout) {
                try await withCheckedThrowingContinuation { continuation in
                    box.set(.waitingForInfo(continuation))
                }
            }
            guard let info = try? JSONDecoder().decode(ServerInfo.self, from: Data(infoText.utf8)) else {
                throw NATSError.protocolViolation("an INFO that is not JSON")
            }
            connection = NATSConnection(channel: channel, inbox: inbox, serverInfo: info)
            box.set(.connected(connection))
            if address.tls || info.tlsRequired == true {
                let context = try NIOSSLContext(configuration: tlsConfiguration)
                // SNI takes names only; an IP address is verified against the certificate's IP SANs.
                let host = address.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : address.host
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: host), position: .first)
                }.get()
            }
            try await connection.write(NATSClientOperation.connect(Self.connectDocument(address, name: name)))
            try await connection.write(NATSClientOperation.subscribe(inbox + ".*", id: "1"))
            try await connection.flush(timeout: timeout)
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    /// Sends a message (with headers, as HPUB, when there are any). Returns once it is written to
    /// the socket, not when the server has it: use `flush` or `request` for that.
    public func publish(_ subject: String, headers: [(String, String)] = [], payload: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: payload.count + 128)
        NATSClientOperation.publish(subject, replyTo: nil, headers: headers, payload: payload, into: &buffer)
        try await write(buffer)
    }

    /// Sends a message with a reply subject of this connection's inbox and waits for the reply.
    /// - Throws: `NATSError.noResponders`, `.timedOut`, `.closed`.
    public func request(_ subject: String, headers: [(String, String)] = [], payload: [UInt8], timeout: Duration = .seconds(5)) async throws
        -> NATSMessage
    {
        let replies = await requests([Outgoing(subject: subject, headers: headers, payload: payload)], timeout: timeout)
        guard let reply = replies.first else { throw NATSError.closed }
        return try reply.get()
    }

    /// One message to send with `requests`.
    public struct Outgoing: Sendable {
        public var subject: String
        public var headers: [(String, String)]
        public var payload: [UInt8]

        public init(subject: String, headers: [(String, String)] = [], payload: [UInt8]) {
            self.subject = subject
            self.headers = headers
            self.payload = payload
        }
    }

    /// Sends every message in one write, in order (so the server receives and stores them in that
    /// order), each with its own reply subject, then waits for every reply: one round trip for the
    /// lot instead of one per message.
    /// - Returns: each message's reply or error, in order.
    public func requests(_ messages: [Outgoing], timeout: Duration = .seconds(5)) async -> [Result<NATSMessage, NATSError>] {
        guard !messages.isEmpty else { return [] }
        let first = counter.add(messages.count, ordering: .relaxed).newValue - messages.count + 1
        let tokens = (0..<messages.count).map { String(first + $0) }
        var buffer = channel.allocator.buffer(capacity: messages.reduce(0) { $0 + $1.payload.count + 160 })
        for (message, token) in zip(messages, tokens) {
            NATSClientOperation.publish(
                message.subject, replyTo: "\(inbox).\(token)", headers: message.headers, payload: message.payload, into: &buffer)
        }
        let written = buffer
        return await withTaskGroup(of: (Int, Result<NATSMessage, NATSError>).self) { group in
            let registered = AsyncStream<Void>.makeStream()
            for (index, token) in tokens.enumerated() {
                group.addTask {
                    do {
                        let reply = try await withDeadline(timeout, onTimeout: { self.cancelRequest(token) }) {
                            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NATSMessage, any Error>) in
                                let closed = self.state.withLock { state -> Bool in
                                    if state.closed { return true }
                                    state.requests[token] = continuation
                                    return false
                                }
                                registered.continuation.yield()
                                if closed { continuation.resume(throwing: NATSError.closed) }
                            }
                        }
                        return (index, reply.status == 503 ? .failure(.noResponders) : .success(reply))
                    } catch let error as NATSError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(.closed))
                    }
                }
            }
            // Every reply waiter is in place before the messages leave, so no reply can arrive unclaimed.
            var count = 0
            for await _ in registered.stream {
                count += 1
                if count == tokens.count { break }
            }
            channel.writeAndFlush(written).whenFailure { _ in
                for token in tokens { self.fail(token, NATSError.closed) }
            }
            var results = [Result<NATSMessage, NATSError>](repeating: .failure(.closed), count: tokens.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// A PING answered by a PONG: everything sent before has been processed by the server (and a
    /// `-ERR` it caused would have arrived first).
    public func flush(timeout: Duration = .seconds(5)) async throws {
        try await withDeadline(timeout) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let closed = self.state.withLock { state -> Bool in
                    if state.closed { return true }
                    state.pongs.append(continuation)
                    return false
                }
                if closed { return continuation.resume(throwing: NATSError.closed) }
                self.channel.writeAndFlush(self.channel.allocator.buffer(string: NATSClientOperation.ping), promise: nil)
            }
        }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    public func close() async {
        try? await channel.close()
    }

    // MARK: From the channel

    func received(_ operation: NATSServerOperation) {
        switch operation {
        case .ping:
            channel.writeAndFlush(channel.allocator.buffer(string: NATSClientOperation.pong), promise: nil)
        case .pong:
            let waiter = state.withLock { $0.pongs.isEmpty ? nil : $0.pongs.removeFirst() }
            waiter?.resume()
        case .message(let message):
            guard message.subject.hasPrefix(inbox + ".") else { return }
            let token = String(message.subject.dropFirst(inbox.count + 1))
            let waiter = state.withLock { $0.requests.removeValue(forKey: token) }
            waiter?.resume(returning: message)
        case .error(let text):
            // The server closes the connection after most errors; fail whoever waits for an answer.
            state.withLock { $0.lastError = text }
            let waiters = state.withLock { state in
                defer { state.pongs.removeAll() }
                return state.pongs
            }
            for waiter in waiters { waiter.resume(throwing: NATSError.server(text)) }
        case .ok, .info:
            break
        }
    }

    func closedByChannel(_ error: (any Error)?) {
        let (pongs, requests, last) = state.withLock { state in
            state.closed = true
            defer {
                state.pongs.removeAll()
                state.requests.removeAll()
            }
            return (state.pongs, state.requests, state.lastError)
        }
        let failure: NATSError = last.map { .server($0) } ?? .closed
        for waiter in pongs { waiter.resume(throwing: failure) }
        for waiter in requests.values { waiter.resume(throwing: failure) }
    }

    private func cancelRequest(_ token: String) {
        state.withLock { $0.requests.removeValue(forKey: token) }?.resume(throwing: NATSError.timedOut)
    }

    private func fail(_ token: String, _ error: any Error) {
        state.withLock { $0.requests.removeValue(forKey: token) }?.resume(throwing: error)
    }

    private func write(_ text: String) async throws {
        try await write(channel.allocator.buffer(string: text))
    }

    private func write(_ buffer: ByteBuffer) async throws {
        guard !isClosed else { throw closedError }
        do {
            try await channel.writeAndFlush(buffer)
        } catch is ChannelError {
            throw closedError
        }
    }

    /// Why the connection is unusable: the server's last `-ERR` (it closes after most), or closed.
    private var closedError: NATSError {
        state.withLock { $0.lastError }.map { NATSError.server($0) } ?? NATSError.closed
    }

    private static func connectDocument(_ address: NATSServerAddress, name: String) -> String {
        var document: [String: Any] = [
            "verbose": false, "pedantic": false, "headers": true, "no_responders": true, "lang": "swift", "version": "1",
            "name": name, "protocol": 1, "tls_required": address.tls,
        ]
        if let user = address.user { document["user"] = user }
        if let password = address.password { document["pass"] = password }
        if let token = address.token { document["auth_token"] = token }
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs `body`, or throws `NATSError.timedOut` (after calling `onTimeout`) once `timeout` passes.
func withDeadline<T: Sendable>(
    _ timeout: Duration, onTimeout: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            onTimeout()
            // The body's continuation is resumed by onTimeout (or by the connection closing).
            throw NATSError.timedOut
        }
        return value
    }
}

/// What the channel handler talks to: the INFO waiter during the handshake, then the connection.
final class ConnectionBox: Sendable {
    enum Target {
        case none
        case waitingForInfo(CheckedContinuation<String, any Error>)
        case connected(NATSConnection)
    }
    private let target = Mutex<Target>(.none)
    private let early = Mutex<[NATSServerOperation]>([])

    func set(_ value: Target) {
        let pending: [NATSServerOperation] = target.withLock { target in
            target = value
            return early.withLock { queued in
                defer { queued.removeAll() }
                return queued
            }
        }
        for operation in pending { deliver(operation) }
    }

    func deliver(_ operation: NATSServerOperation) {
        let action: () -> Void = target.withLock { target in
            switch target {
            case .none:
                early.withLock { $0.append(operation) }
                return {}
            case .waitingForInfo(let continuation):
                if case .info(let text) = operation {
                    target = .none
                    return { continuation.resume(returning: text) }
                }
                if case .error(let text) = operation {
                    target = .none
                    return { continuation.resume(throwing: NATSError.server(text)) }
                }
                return {}
            case .connected(let connection):
                return { connection.received(operation) }
            }
        }
        action()
    }

    func closed(_ error: (any Error)?) {
        let action: () -> Void = target.withLock { target in
            switch target {
            case .none: return {}
            case .waitingForInfo(let continuation):
                target = .none
                return { continuation.resume(throwing: error ?? NATSError.closed) }
            case .connected(let connection): return { connection.closedByChannel(error) }
            }
        }
        action()
    }
}

final class NATSInboundHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NATSServerOperation
    let box: ConnectionBox

    init(box: ConnectionBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        box.deliver(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        box.closed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        box.closed(nil)
        context.fireChannelInactive()
    }
}
