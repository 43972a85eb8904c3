import AegisCore
import AegisStore
import Foundation
import Testing

private struct Refused: Error {}

/// Units of work and the outbox: all or nothing, serialized writers, events in commit order.
@Suite struct TransactionConformanceTests {
    private func event(_ subject: String, tenant: TenantID? = acme) -> OutboxEvent {
        OutboxEvent(
            tenant: tenant, type: .manifestPushed, subject: subject, payload: ["size": 12, "public": true, "by": "bob", "none": .null],
            time: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test(arguments: MetadataDriver.all)
    func aFailedTransactionLeavesNothingBehindNeitherChangesNorEvents(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let repository = try await store.repository(named: "acme/app")
            await #expect(throws: Refused.self) {
                try await store.transaction { tx in
                    _ = try tx.insertTenant(TenantID("initech"))
                    _ = try tx.linkBlob(repository: repository.id, digest: digest("b"), size: 5)
                    try tx.append(event("acme/app@b"))
                    // The transaction reads its own writes…
                    #expect(try tx.tenant(TenantID("initech")) != nil)
                    #expect(try tx.storageUsed(by: acme) == 5)
                    throw Refused()
                }
            }
            // …and none of them survive the error.
            #expect(try await store.tenant(TenantID("initech")) == nil)
            #expect(try await store.linkedBlobSize(repository: repository.id, digest: digest("b")) == nil)
            #expect(try await store.storageUsed(by: acme) == 0)
            #expect(try await store.events(after: nil, limit: 10).isEmpty)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func eventsCommitWithTheirChangeInOrderAndArePublishedOnce(driver: MetadataDriver) async throws {
        try await driver.with { store in
            #expect(try await store.latestEventID() == nil)
            try await store.transaction { tx in
                try tx.append(event("one"))
                try tx.append(event("two", tenant: nil))
            }
            try await store.transaction { try $0.append(event("three")) }
            let events = try await store.events(after: nil, limit: 10)
            #expect(events.map(\.subject) == ["one", "two", "three"])
            #expect(events[0].payload == event("one").payload)
            #expect(events[1].tenant == nil && events[0].tenant == acme)
            #expect(events[0].type == .manifestPushed && events[0].time == event("one").time)
            let ids = events.compactMap(\.id)
            #expect(ids == ids.sorted() && Set(ids).count == 3)
            #expect(try await store.latestEventID() == ids.last)
            #expect(try await store.events(after: ids[0], limit: 1).map(\.subject) == ["two"])
            #expect(try await store.unpublishedEvents(limit: 10).count == 3)
            try await store.markPublished(Array(ids.prefix(2)), at: Date())
            let left = try await store.unpublishedEvents(limit: 10)
            #expect(left.map(\.subject) == ["three"])
            #expect(try await store.events(after: nil, limit: 10).filter { $0.publishedAt != nil }.count == 2)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aCommitThatWroteEventsRingsTheOutboxSignalAndNoOtherDoes(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let before = store.commits.generation
            try await store.transaction { tx in _ = try tx.tenant(acme) }
            await #expect(throws: Refused.self) {
                try await store.transaction { tx in
                    try tx.append(event("refused"))
                    throw Refused()
                }
            }
            #expect(store.commits.generation == before, "no events committed")
            try await store.transaction { try $0.append(event("one")) }
            #expect(store.commits.generation == before + 1)
        }
    }

    /// Two writers deciding a rule (a quota) from what they read: serialized, so neither can
    /// commit on a reading the other made stale.
    @Test(arguments: MetadataDriver.all)
    func concurrentWritersCannotBreakARuleTheyCheck(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let repository = try await store.repository(named: "acme/app")
            try await store.transaction { try $0.setStorageQuota(1000, of: acme) }
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            try await store.transaction { tx in
                                let used = try tx.storageUsed(by: acme)
                                guard used + 100 <= (try tx.storageQuota(of: acme) ?? .max) else { throw Refused() }
                                _ = try tx.linkBlob(repository: repository.id, digest: digest("blob-\(index)"), size: 100)
                                try tx.append(event("blob-\(index)"))
                            }
                            return true
                        } catch is Refused {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 10)
            #expect(try await store.storageUsed(by: acme) == 1000)
            #expect(try await store.events(after: nil, limit: 100).count == 10)
        }
    }
}
