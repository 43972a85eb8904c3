import AegisConfig
import AegisNATS
import AegisOperations
import AegisStore
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle

/// The background work of events: the NATS publisher (when configured), the webhook dispatcher
/// and retention, each on the leader of its lease (retention on the shared `jobs` one).
func eventServices(
    _ configuration: AegisConfiguration, store: any MetadataStore, targets: WebhookTargetPolicy, jobs: any LeaderLease,
    observer: any EventObserver, logger: Logger
) throws -> [any Service] {
    let events = configuration.events
    let source = configuration.eventSource
    var services: [any Service] = []
    if let url = events.natsURL {
        services.append(try eventPublisher(url, configuration: events, source: source, store: store, observer: observer, logger: logger))
    }
    var settings = WebhookDispatcher.Settings()
    settings.maxAttempts = events.webhookMaxAttempts
    settings.firstRetry = .milliseconds(events.webhookRetryMilliseconds)
    settings.maxRetry = .seconds(events.webhookRetryMaxSeconds)
    settings.disableAfter = events.webhookDisableAfter
    settings.timeout = .seconds(events.webhookTimeoutSeconds)
    settings.source = source
    let transport = HTTPWebhookTransport()
    let dispatcher = WebhookDispatcher(
        store: store, transport: transport, targets: targets, settings: settings, observer: observer, logger: logger)
    let webhooks = store.leadership("webhooks")
    services.append(
        PeriodicService(
            "webhooks", every: .milliseconds(50), tick: { if await webhooks.acquire() { await dispatcher.run() } },
            atShutdown: {
                await webhooks.release()
                await transport.shutdown()
            }))
    let retention = EventRetention(
        store: store, retentionDays: events.retentionDays, publishing: events.natsURL != nil, observer: observer, logger: logger)
    services.append(PeriodicService("event retention", every: .seconds(3600), tick: { if await jobs.acquire() { await retention.prune() } }))
    return services
}

/// The outbox publisher to NATS JetStream, on the leader, every 50 ms (draining all that is pending
/// each time).
private func eventPublisher(
    _ url: String, configuration: AegisConfiguration.EventSettings, source: String, store: any MetadataStore, observer: any EventObserver,
    logger: Logger
) throws -> PeriodicService {
    let address: NATSServerAddress
    do { address = try NATSServerAddress(url: url) } catch { throw ConfigurationError("events.nats_url: \(error)") }
    var tls = TLSConfiguration.makeClientConfiguration()
    if let file = configuration.natsCAFile { tls.trustRoots = .file(file) }
    let sink = NATSEventSink(address: address, stream: configuration.stream, source: source, tls: tls, logger: logger)
    let publisher = OutboxPublisher(store: store, sink: sink, observer: observer, logger: logger)
    let lease = store.leadership("events")
    return PeriodicService(
        "event publisher", every: .milliseconds(50), wakeUp: store.commits, tick: { if await lease.acquire() { await publisher.publishPending() } },
        atShutdown: { await lease.release() })
}
