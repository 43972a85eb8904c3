import AegisCore
import AegisStore
import AegisWasm
import Foundation
import Logging
import Synchronization
import Tracing

/// Sends one webhook request (the server's HTTP client; tests pass their own).
public protocol WebhookTransport: Sendable {
    /// POSTs `body` and returns the answer's status, or why none came. Redirects are not followed.
    func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> WebhookAnswer
}

/// What a webhook request got.
public enum WebhookAnswer: Sendable, Hashable {
    case status(Int)
    case failed(String)
}

/// Moves events to webhooks: the fan-out queues a delivery per enabled webhook whose types take
/// the event (each event once), and the delivery POSTs what is due as a signed CloudEvent,
/// retrying a failure with exponential back-off up to `maxAttempts`. A webhook failing
/// `disableAfter` attempts in a row is disabled, its pending deliveries dropped, and a
/// `webhook.disabled` event written. At least once: a crash after the POST and before the record
/// sends it again, with the same `webhook-id`. On a cluster it runs on the leader only.
public struct WebhookDispatcher: Sendable {
    public struct Settings: Sendable, Hashable {
        public var maxAttempts = 8
        /// The wait after the first failure; it doubles after each, up to `maxRetry` (±20 % jitter).
        public var firstRetry: Duration = .seconds(5)
        public var maxRetry: Duration = .seconds(600)
        /// Failed attempts in a row that disable a webhook.
        public var disableAfter = 20
        public var timeout: Duration = .seconds(10)
        /// The CloudEvents `source`.
        public var source = "/aegisguard"

        public init() {}
    }

    let store: any MetadataStore
    let transport: any WebhookTransport
    let targets: WebhookTargetPolicy
    let settings: Settings
    let observer: any EventObserver
    let logger: Logger
    let batch = 256
    /// The newest event id known fanned out: a tick with nothing newer skips the write transaction.
    private let fannedOut = FannedOut()

    public init(
        store: any MetadataStore, transport: any WebhookTransport, targets: WebhookTargetPolicy, settings: Settings,
        observer: any EventObserver = NoEventObserver(), logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.targets = targets
        self.settings = settings
        self.observer = observer
        self.logger = logger
    }

    /// Fans out and then delivers what is due. - Returns: the attempts made.
    @discardableResult
    public func run() async -> Int {
        await fanOut()
        return await deliverDue()
    }

    /// Queues the deliveries of every event not yet fanned out. - Returns: how many were queued.
    @discardableResult
    public func fanOut() async -> Int {
        let latest: Int64?
        do {
            latest = try await store.latestEventID()
        } catch {
            if !Task.isCancelled { logger.error("the outbox could not be read", metadata: ["error": "\(error)"]) }
            return 0
        }
        guard let latest, latest != fannedOut.id.withLock({ $0 }) else { return 0 }
        var queued = 0
        while true {
            do {
                let (events, deliveries) = try await store.transaction { tx in
                    let events = try tx.undispatchedEvents(limit: batch)
                    let webhooks = try tx.enabledWebhooks(of: Set(events.compactMap(\.tenant)))
                    var deliveries: [WebhookDeliveryRecord] = []
                    for event in events {
                        for webhook in webhooks where webhook.tenant == event.tenant && webhook.accepts(event.type) {
                            guard let hook = webhook.id, let id = event.id else { continue }
                            deliveries.append(WebhookDeliveryRecord(webhook: hook, event: id, nextAttemptAt: tx.now, createdAt: tx.now))
                        }
                    }
                    try tx.insertDeliveries(deliveries)
                    try tx.markDispatched(events.compactMap(\.id))
                    return (events.count, deliveries.count)
                }
                queued += deliveries
                if events < batch {
                    // Ids grow in commit order, so every event up to `latest` is fanned out now.
                    fannedOut.id.withLock { $0 = latest }
                    return queued
                }
            } catch {
                if !Task.isCancelled { logger.error("events could not be fanned out to webhooks", metadata: ["error": "\(error)"]) }
                return queued
            }
        }
    }

    /// Makes the attempts that are due: concurrently across webhooks, in event order within one
    /// (a webhook's turn ends at its first failure). - Returns: the attempts made.
    @discardableResult
    public func deliverDue(now: Date = Date()) async -> Int {
        let due: [DueDelivery]
        do {
            due = try await store.dueDeliveries(at: now, limit: batch)
        } catch {
            if !Task.isCancelled { logger.error("due webhook deliveries could not be read", metadata: ["error": "\(error)"]) }
            return 0
        }
        let byWebhook = Dictionary(grouping: due, by: \.delivery.webhook)
        return await withTaskGroup(of: Int.self) { group in
            for deliveries in byWebhook.values {
                group.addTask {
                    var attempts = 0
                    for delivery in deliveries.sorted(by: { $0.event.id ?? 0 < $1.event.id ?? 0 }) {
                        attempts += 1
                        guard await attempt(delivery) else { break }
                    }
                    return attempts
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// One attempt, recorded. - Returns: whether it was delivered.
    func attempt(_ due: DueDelivery) async -> Bool {
        let body = CloudEvent(due.event, source: settings.source).encoded()
        let id = "aegis-\(due.event.id ?? 0)"
        var headers = WebhookSignature.headers(secret: due.webhook.secret, id: id, timestamp: Int(Date().timeIntervalSince1970), body: body)
        headers += [("content-type", "application/cloudevents+json"), ("user-agent", "AegisGuard-Webhook/1")]
        if let traceparent = due.event.traceparent { headers.append(("traceparent", traceparent)) }
        let started = ContinuousClock.now
        let answer: WebhookAnswer
        do {
            try await targets.check(due.webhook.url)
            // In the trace of the change: an HTTP client that traces makes its span a child of it
            // (and sends that span's traceparent, of the same trace, in place of the one above).
            answer = await ServiceContext.$current.withValue(Self.context(of: due.event)) {
                await transport.post(due.webhook.url, headers: headers, body: body, timeout: settings.timeout)
            }
        } catch {
            answer = .failed("\(error)")
        }
        let elapsed = started.duration(to: .now)
        let seconds = elapsed.milliseconds / 1000
        let delivered = if case .status(let status) = answer, (200..<300).contains(status) { true } else { false }
        observer.webhookAttempt(tenant: due.webhook.tenant, delivered: delivered, duration: elapsed)
        if !delivered {
            logger.debug(
                "a webhook attempt failed",
                metadata: [
                    "tenant": "\(due.webhook.tenant)", "webhook": "\(due.webhook.id ?? 0)",
                    "event": "\(due.event.id ?? 0)", "answer": "\(answer)",
                ])
        }
        do {
            let disabled = try await record(due, answer: answer, delivered: delivered, seconds: seconds)
            if disabled {
                observer.webhookDisabled(tenant: due.webhook.tenant)
                logger.warning(
                    "a webhook was disabled after failing \(settings.disableAfter) times in a row",
                    metadata: ["tenant": "\(due.webhook.tenant)", "webhook": "\(due.webhook.id ?? 0)"])
            }
        } catch {
            // Stopping cancels the record too: the attempt is made again after the restart.
            if !Task.isCancelled { logger.error("a webhook attempt could not be recorded; it is made again", metadata: ["error": "\(error)"]) }
        }
        return delivered
    }

    /// Stores the attempt's outcome with the webhook's failure count. - Returns: whether it disabled the webhook.
    private func record(_ due: DueDelivery, answer: WebhookAnswer, delivered: Bool, seconds: Double) async throws -> Bool {
        let settings = self.settings
        return try await store.transaction { tx in
            guard var delivery = try tx.delivery(due.delivery.id ?? 0), delivery.state == .pending,
                var webhook = try tx.webhook(due.webhook.id ?? 0, of: due.webhook.tenant)
            else { return false }  // deleted, or settled by another attempt meanwhile
            let before = webhook
            delivery.attempts += 1
            delivery.lastAttemptAt = tx.now
            delivery.latency = seconds
            switch answer {
            case .status(let status):
                delivery.statusCode = status
                delivery.error = delivered ? nil : (300..<400).contains(status) ? "HTTP \(status): redirects are not followed" : "HTTP \(status)"
            case .failed(let reason):
                delivery.statusCode = nil
                delivery.error = String(reason.prefix(512))
            }
            if delivered {
                delivery.state = .delivered
                delivery.nextAttemptAt = nil
                webhook.consecutiveFailures = 0
            } else {
                webhook.consecutiveFailures += 1
                if delivery.attempts >= settings.maxAttempts {
                    delivery.state = .failed
                    delivery.nextAttemptAt = nil
                } else {
                    delivery.nextAttemptAt = tx.now.addingTimeInterval(Self.backoff(after: delivery.attempts, settings))
                }
            }
            try tx.updateDelivery(delivery)
            var disabled = false
            if webhook.enabled, webhook.consecutiveFailures >= settings.disableAfter {
                webhook.enabled = false
                webhook.disabledAt = tx.now
                _ = try tx.abandonPendingDeliveries(ofWebhook: webhook.id ?? 0, error: "the webhook was disabled")
                var event = WebhookOperations.event(.webhookDisabled, webhook, time: tx.now)
                event.payload["consecutiveFailures"] = .integer(Int64(webhook.consecutiveFailures))
                try tx.append(event)
                disabled = true
            }
            if webhook != before { try tx.updateWebhook(webhook) }
            return disabled
        }
    }

    /// The trace context of the change that made an event, nil when it was not traced.
    static func context(of event: OutboxEvent) -> ServiceContext? {
        guard let traceparent = event.traceparent else { return nil }
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: DictionaryExtractor())
        return context
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }

    /// Seconds to wait after the `attempts`-th failure: `firstRetry` doubled per failure, capped, ±20 %.
    static func backoff(after attempts: Int, _ settings: Settings) -> Double {
        let base = min(settings.maxRetry.milliseconds, settings.firstRetry.milliseconds * pow(2, Double(min(attempts - 1, 40)))) / 1000
        return base * Double.random(in: 0.8...1.2)
    }
}

/// Shared by the copies of a dispatcher.
private final class FannedOut: Sendable {
    let id = Mutex<Int64?>(nil)
}
