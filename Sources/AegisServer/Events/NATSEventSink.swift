import AegisNATS
import AegisOperations
import AegisStore
import Foundation
import Logging
import NIOSSL
import Synchronization

/// Publishes events to NATS JetStream, one subject per tenant and type (`CloudEvent.natsSubject`),
/// with `Nats-Msg-Id` = the event id so a repeat is stored once. Connects on first use and after a
/// failure, waiting longer after each failed attempt (0.5 s doubling to 30 s); the stream is
/// created if missing.
final class NATSEventSink: EventSink {
    private struct State {
        var connection: NATSConnection?
        var failures = 0
        var nextAttempt = ContinuousClock.now
    }

    let address: NATSServerAddress
    let stream: String
    let source: String
    let tls: TLSConfiguration
    let logger: Logger
    private let state = Mutex(State())

    init(address: NATSServerAddress, stream: String, source: String, tls: TLSConfiguration, logger: Logger) {
        self.address = address
        self.stream = stream
        self.source = source
        self.tls = tls
        self.logger = logger
    }

    func deliver(_ events: [OutboxEvent]) async -> Int {
        guard let connection = await connection() else { return 0 }
        let messages = events.map { event in
            JetStream.Message(
                subject: CloudEvent.natsSubject(event), id: "aegis-\(event.id ?? 0)",
                headers: event.traceparent.map { [("traceparent", $0)] } ?? [], payload: CloudEvent(event, source: source).encoded())
        }
        let acks = await JetStream(connection).publish(messages)
        let delivered = acks.prefix { if case .success = $0 { true } else { false } }.count
        if delivered < acks.count, case .failure(let error) = acks[delivered] {
            logger.warning("NATS did not acknowledge an event; it is offered again", metadata: ["error": "\(error)"])
            if connection.isClosed { drop(connection) }
        }
        return delivered
    }

    private func connection() async -> NATSConnection? {
        let (current, due) = state.withLock { ($0.connection, $0.nextAttempt <= .now) }
        if let current, !current.isClosed { return current }
        guard due else { return nil }
        do {
            let connection = try await NATSConnection.connect(to: address, tlsConfiguration: tls)
            if try await JetStream(connection).ensureStream(stream, subjects: ["aegis.>"]) {
                logger.notice("created the JetStream stream", metadata: ["stream": "\(stream)"])
            }
            state.withLock { state in
                state.connection = connection
                state.failures = 0
            }
            return connection
        } catch {
            let wait = state.withLock { state -> Double in
                state.failures += 1
                let seconds = min(30, 0.5 * pow(2, Double(min(state.failures - 1, 10))))
                state.nextAttempt = .now + .milliseconds(Int(seconds * 1000))
                state.connection = nil
                return seconds
            }
            logger.warning("NATS unreachable; events wait in the outbox", metadata: ["error": "\(error)", "retry-in-s": "\(wait)"])
            return nil
        }
    }

    private func drop(_ connection: NATSConnection) {
        state.withLock { if $0.connection === connection { $0.connection = nil } }
    }
}
