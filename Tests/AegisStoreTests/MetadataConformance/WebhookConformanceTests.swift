import AegisCore
import AegisStore
import Foundation
import Testing

/// The event log's reads and retention, and the webhooks' configuration, fan-out and delivery log.
@Suite struct WebhookConformanceTests {
    private let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    private func append(_ type: OutboxEvent.Kind, tenant: TenantID?, at time: Date, store: any MetadataStore) async throws {
        try await store.transaction { tx in try tx.append(OutboxEvent(tenant: tenant, type: type, subject: "s", time: time)) }
    }

    private func webhook(_ tenant: TenantID, types: [String] = []) -> WebhookRecord {
        WebhookRecord(tenant: tenant, url: "http://127.0.0.1:9/hook", types: types, secret: "whsec_c2VjcmV0", createdAt: epoch)
    }

    @Test(arguments: MetadataDriver.all)
    func theEventLogFiltersByTenantAndTypeInIdOrder(driver: MetadataDriver) async throws {
        try await driver.with { store in
            try await append(.manifestPushed, tenant: acme, at: epoch, store: store)
            try await append(.tagMoved, tenant: globex, at: epoch, store: store)
            try await append(.userCreated, tenant: nil, at: epoch, store: store)
            try await append(.tagMoved, tenant: acme, at: epoch, store: store)
            let acmeEvents = try await store.events(after: nil, tenant: acme, types: [], limit: 10)
            #expect(acmeEvents.map(\.type) == [.manifestPushed, .tagMoved])
            let moved = try await store.events(after: nil, tenant: nil, types: [.tagMoved, .userCreated], limit: 10)
            #expect(moved.map(\.type) == [.tagMoved, .userCreated, .tagMoved])
            let afterFirst = try await store.events(after: acmeEvents[0].id, tenant: acme, types: [.tagMoved], limit: 10)
            #expect(afterFirst.map(\.id) == [acmeEvents[1].id])
            #expect(try await store.events(after: nil, tenant: acme, types: [], limit: 1).count == 1)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func theBacklogCountsUnpublishedEventsAndTheirOldestTime(driver: MetadataDriver) async throws {
        try await driver.with { store in
            #expect(try await store.outboxBacklog() == OutboxBacklog(pending: 0, oldest: nil))
            try await append(.manifestPushed, tenant: acme, at: epoch, store: store)
            try await append(.manifestPushed, tenant: acme, at: epoch.addingTimeInterval(5), store: store)
            #expect(try await store.outboxBacklog() == OutboxBacklog(pending: 2, oldest: epoch))
            let first = try await store.events(after: nil, limit: 1).compactMap(\.id)
            try await store.markPublished(first, at: Date())
            #expect(try await store.outboxBacklog() == OutboxBacklog(pending: 1, oldest: epoch.addingTimeInterval(5)))
        }
    }

    @Test(arguments: MetadataDriver.all)
    func fanOutQueuesOneDeliveryPerWebhookAndEventAndMarksEventsOnce(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let hooks = try await store.transaction { tx in
                [try tx.insertWebhook(webhook(acme)), try tx.insertWebhook(webhook(acme, types: ["tag.*"])), try tx.insertWebhook(webhook(globex))]
            }
            #expect(hooks.compactMap(\.id).count == 3 && Set(hooks.compactMap(\.id)).count == 3)
            #expect(try await store.webhooks(of: acme).map(\.types) == [[], ["tag.*"]])
            try await append(.manifestPushed, tenant: acme, at: epoch, store: store)
            try await append(.tagMoved, tenant: acme, at: epoch, store: store)
            // Whole seconds: REAL columns round-trip them exactly.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let queued = try await store.transaction { tx in
                let events = try tx.undispatchedEvents(limit: 10)
                let webhooks = try tx.enabledWebhooks(of: Set(events.compactMap(\.tenant)))
                var deliveries: [WebhookDeliveryRecord] = []
                for event in events {
                    for hook in webhooks where hook.tenant == event.tenant && hook.accepts(event.type) {
                        deliveries.append(
                            WebhookDeliveryRecord(webhook: hook.id ?? 0, event: event.id ?? 0, nextAttemptAt: tx.now, createdAt: tx.now))
                    }
                }
                try tx.insertDeliveries(deliveries)
                try tx.insertDeliveries(deliveries)  // a repeat is ignored
                try tx.markDispatched(events.compactMap(\.id))
                return deliveries.count
            }
            #expect(queued == 3)
            #expect(try await store.transaction { try $0.undispatchedEvents(limit: 10) }.isEmpty)
            let due = try await store.dueDeliveries(at: now.addingTimeInterval(1), limit: 10)
            #expect(due.count == 3)
            #expect(due.allSatisfy { $0.webhook.tenant == acme && $0.event.tenant == acme && $0.delivery.state == .pending })
            #expect(try await store.dueDeliveries(at: now.addingTimeInterval(-60), limit: 10).isEmpty)

            // An attempt that failed: due again later, logged with its outcome.
            var failed = due[0].delivery
            failed.attempts = 1
            failed.nextAttemptAt = now.addingTimeInterval(3600)
            failed.lastAttemptAt = now
            failed.statusCode = 503
            failed.error = "HTTP 503"
            failed.latency = 0.25
            try await store.transaction { [failed] tx in
                try tx.updateDelivery(failed)
                #expect(try tx.delivery(failed.id ?? 0) == failed)
            }
            #expect(try await store.dueDeliveries(at: now.addingTimeInterval(1), limit: 10).count == 2)
            let log = try await store.deliveries(ofWebhook: failed.webhook, before: nil, limit: 10)
            #expect(log.first { $0.id == failed.id } == failed)

            // A disabled webhook's deliveries are not due; abandoning them fails them.
            let hook = try #require(hooks.first { $0.id == failed.webhook })
            var disabled = hook
            disabled.enabled = false
            try await store.transaction { [disabled] in try $0.updateWebhook(disabled) }
            #expect(try await store.dueDeliveries(at: now.addingTimeInterval(7200), limit: 10).allSatisfy { $0.webhook.id != hook.id })
            let abandoned = try await store.transaction { try $0.abandonPendingDeliveries(ofWebhook: hook.id ?? 0, error: "disabled") }
            #expect(abandoned == 2)
            let settled = try await store.deliveries(ofWebhook: hook.id ?? 0, before: nil, limit: 10)
            #expect(settled.allSatisfy { $0.state == .failed && $0.error == "disabled" && $0.nextAttemptAt == nil })
        }
    }

    @Test(arguments: MetadataDriver.all)
    func webhooksAreUpdatedDeletedWithTheirLogAndScopedToTheirTenant(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let hook = try await store.transaction { try $0.insertWebhook(webhook(acme)) }
            let id = try #require(hook.id)
            #expect(try await store.transaction { try $0.webhook(id, of: globex) } == nil)
            var disabled = hook
            disabled.enabled = false
            disabled.consecutiveFailures = 20
            disabled.disabledAt = epoch
            disabled.types = ["manifest.pushed"]
            try await store.transaction { [disabled] in try $0.updateWebhook(disabled) }
            #expect(try await store.transaction { try $0.webhook(id, of: acme) } == disabled)
            #expect(try await store.transaction { try $0.enabledWebhooks(of: [acme]) }.isEmpty)
            var foreign = disabled
            foreign.tenant = globex
            await #expect(throws: StoreError.self) { try await store.transaction { [foreign] in try $0.updateWebhook(foreign) } }
            await #expect(throws: StoreError.self) { try await store.transaction { try $0.insertWebhook(webhook(try TenantID("initech"))) } }

            try await append(.manifestPushed, tenant: acme, at: epoch, store: store)
            try await store.transaction { tx in
                let event = try #require(try tx.undispatchedEvents(limit: 1).first?.id)
                try tx.insertDeliveries([WebhookDeliveryRecord(webhook: id, event: event, nextAttemptAt: tx.now, createdAt: tx.now)])
            }
            #expect(try await store.deliveries(ofWebhook: id, before: nil, limit: 10).count == 1)
            #expect(try await store.transaction { try $0.deleteWebhook(id, of: globex) } == false)
            #expect(try await store.transaction { try $0.deleteWebhook(id, of: acme) })
            #expect(try await store.deliveries(ofWebhook: id, before: nil, limit: 10).isEmpty)
            #expect(try await store.webhooks(of: acme).isEmpty)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func retentionKeepsWhatIsRecentUndispatchedOrStillToDeliver(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let hook = try await store.transaction { try $0.insertWebhook(webhook(acme)) }
            for offset in [0.0, 1, 2, 100] { try await append(.manifestPushed, tenant: acme, at: epoch.addingTimeInterval(offset), store: store) }
            let ids = try await store.events(after: nil, limit: 10).compactMap(\.id)
            try await store.markPublished([ids[0]], at: Date())
            try await store.transaction { tx in
                // Events 0 and 1 are fanned out and done; 2 has a delivery pending; 3 is recent.
                try tx.markDispatched(Array(ids[0...3]))
                try tx.insertDeliveries([
                    WebhookDeliveryRecord(webhook: hook.id ?? 0, event: ids[2], nextAttemptAt: tx.now, createdAt: tx.now)
                ])
            }
            let pruned = try await store.pruneEvents(before: epoch.addingTimeInterval(50))
            #expect(pruned == PrunedEvents(deleted: 2, unpublished: 1))
            #expect(try await store.events(after: nil, limit: 10).compactMap(\.id) == [ids[2], ids[3]])
        }
    }
}
