import AegisCore
import AegisStore
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A unit of work on one pooled connection: `BEGIN ISOLATION LEVEL SERIALIZABLE` … `COMMIT`, with
/// the body's statements sent one by one and waited for on a thread of the store's pool.
struct PostgresTransaction: MetadataTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let now: Date
    /// Of the span the unit of work runs in, for its events.
    let traceparent: String?
    let state: State

    /// What the transaction has learned as it ran (it is confined to its thread).
    final class State {
        /// The outbox lock is held (see `append`).
        var holdsOutboxLock = false
        /// The first serialization failure or deadlock a statement hit: the body may have caught the
        /// error, but the transaction is aborted and the whole unit must be retried.
        var retryable: PSQLError?
    }

    var timestamp: Double { now.timeIntervalSince1970 }

    /// Runs a statement and waits for it. - Returns: the rows it returned.
    @discardableResult
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try result(query).rows
    }

    /// Runs a statement. - Returns: how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try result(query).metadata.rows ?? 0
    }

    /// The first column of the first row, nil when there is none.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? where T._DecodableType == T {
        guard let row = try rows(query).first else { return nil }
        return try row.decode(T?.self)
    }

    func exists(_ query: PostgresQuery) throws -> Bool {
        try !rows(query).isEmpty
    }

    private func result(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            // Bounded like every other wait for PostgreSQL: a statement that does not answer within
            // `patience` fails the unit of work with UNAVAILABLE, and its connection is closed, so
            // the transaction can never commit after the caller was told it failed.
            let connection = self.connection
            let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
            let deadline = connection.eventLoop.scheduleTask(in: .seconds(PostgresMetadataStore.patienceSeconds)) {
                answer.fail(PostgresMetadataStore.unavailable("a statement did not answer within \(PostgresMetadataStore.patience)"))
                let closed: EventLoopFuture<Void> = connection.close()
                closed.whenComplete { _ in }
            }
            defer { deadline.cancel() }
            connection.query(query, logger: logger).cascade(to: answer)
            return try answer.futureResult.wait()
        } catch let error as PSQLError {
            if PostgresMetadataStore.isRetryable(error), state.retryable == nil { state.retryable = error }
            throw error
        }
    }

    func requireTenant(_ tenant: TenantID) throws {
        guard try exists("SELECT 1 FROM tenants WHERE name = \(tenant.value)") else {
            throw StoreError(.notFound, "tenant '\(tenant)' does not exist")
        }
    }

    func requireUser(_ user: String) throws {
        guard try exists("SELECT 1 FROM users WHERE name = \(user)") else { throw StoreError(.notFound, "user '\(user)' does not exist") }
    }

    /// Appends an event. Ids come from a sequence, which hands them out in insertion order, not
    /// commit order; so the first event of a transaction takes a transaction-scoped advisory lock
    /// first, held until commit. Writers that emit events therefore commit in id order, and a
    /// reader that has seen id N never later finds an id below N appear.
    func append(_ event: OutboxEvent) throws {
        if !state.holdsOutboxLock {
            try rows("SELECT pg_advisory_xact_lock(\(PostgresMetadataStore.outboxLock))")
            state.holdsOutboxLock = true
        }
        let payload = String(decoding: try JSONEncoder.outbox.encode(event.payload), as: UTF8.self)
        try execute(
            """
            INSERT INTO outbox(time, tenant, type, subject, payload, traceparent)
            VALUES (\(event.time.timeIntervalSince1970), \(event.tenant?.value), \(event.type.rawValue), \(event.subject), \(payload),
                    \(traceparent))
            """)
    }
}

extension PostgresMetadataStore {
    /// The advisory lock key that orders outbox writers ("AEGISOBX").
    static let outboxLock: Int64 = 0x4145_4749_534F_4258
    /// Attempts of a unit of work that keeps failing to serialize before giving up (concurrent pushes of
    /// one tenant into a small schema conflict often: SSI locks index pages, not rows).
    static let maxAttempts = 40

    /// Runs `body` as one serializable transaction, retried (with jittered back-off) when PostgreSQL
    /// reports a serialization failure or a deadlock, so a rule the body checks still holds when it
    /// commits, exactly as on SQLite's single writer. Bodies must be pure functions of the
    /// transaction (they are: they only read and write through it).
    public func transaction<T: Sendable>(_ body: @Sendable (any MetadataTransaction) throws -> T) async throws -> T {
        try await TransactionTracing.span(system: "postgresql") { try await run(body, traceparent: TransactionTracing.currentTraceparent()) }
    }

    private func run<T: Sendable>(_ body: @Sendable (any MetadataTransaction) throws -> T, traceparent: String?) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            // The body reaches the pool thread through a box. When the caller stops waiting (the
            // availability bound passed, or it is done) the box is emptied, and if the body is
            // running on a thread the caller waits for it to return: `body` must not outlive this call.
            let handoff = Handoff(body)
            do {
                let result = try await attempts(handoff, traceparent: traceparent)
                await handoff.retire()
                return result
            } catch {
                await handoff.retire()
                throw error
            }
        }
    }

    private func attempts<T: Sendable>(_ handoff: Handoff<T>, traceparent: String?) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await available { [client, threads, logger, commits] in
                    try await client.withConnection { connection in
                        try await threads.runIfActive {
                            // `invoke` has released the body when it returns; only then is it marked finished.
                            defer { handoff.finished() }
                            return try handoff.invoke { body in
                                try Self.run(body, on: connection, traceparent: traceparent, commits: commits, logger: logger)
                            }
                        }
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) {
                guard attempt < Self.maxAttempts else {
                    throw Self.unavailable("a transaction failed to serialize \(attempt) times")
                }
                // 1, 2, 4 … 64 ms, jittered, so colliding writers spread out.
                let ceiling = UInt64(1 << min(attempt, 6)) * 1_000_000
                try await Task.sleep(nanoseconds: UInt64.random(in: ceiling / 2...ceiling))
            }
        }
    }

    /// A transaction body on its way to a pool thread.
    private final class Handoff<T>: Sendable {
        typealias Body = @Sendable (any MetadataTransaction) throws -> T
        private struct State {
            var body: Body?
            var running = false
            var waiter: CheckedContinuation<Void, Never>?
        }
        private let state: Mutex<State>

        init(_ body: @escaping Body) { state = Mutex(State(body: body)) }

        /// Runs `work` with the body, marked running. - Throws: `CancellationError` once retired.
        func invoke(_ work: (Body) throws -> T) throws -> T {
            let body = state.withLock { state in
                if state.body != nil { state.running = true }
                return state.body
            }
            guard let body else { throw CancellationError() }
            return try work(body)
        }

        /// The body returned (or never ran).
        func finished() {
            let waiter = state.withLock { state in
                state.running = false
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        /// Empties the box (a lease that arrives later finds nothing to run) and waits for a body still running.
        func retire() async {
            await withCheckedContinuation { continuation in
                let running = state.withLock { state in
                    state.body = nil
                    if state.running { state.waiter = continuation }
                    return state.running
                }
                if !running { continuation.resume() }
            }
        }
    }

    private static func run<T>(
        _ body: (any MetadataTransaction) throws -> T, on connection: PostgresConnection, traceparent: String?, commits: OutboxSignal,
        logger: Logger
    ) throws -> T {
        let transaction = PostgresTransaction(connection: connection, logger: logger, now: Date(), traceparent: traceparent, state: .init())
        try transaction.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        do {
            let result = try body(transaction)
            if let retryable = transaction.state.retryable { throw retryable }
            try transaction.execute("COMMIT")
            if transaction.state.holdsOutboxLock { commits.notify() }
            return result
        } catch {
            _ = try? transaction.execute("ROLLBACK")
            throw transaction.state.retryable ?? error
        }
    }

    /// Serialization failures (40001) and deadlocks (40P01): the transaction can be run again.
    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}

extension JSONEncoder {
    /// Event payloads and annotations: compact, keys sorted (stable bytes for equal values).
    static let outbox: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
