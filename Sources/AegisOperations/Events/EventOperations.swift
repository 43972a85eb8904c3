import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// The event log (the read side of the outbox): what changed, in order, for integrations that
/// poll instead of subscribing.
public struct EventOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization

    /// A tenant's events (auditors, admins and owners), or every event (`tenant` nil: system
    /// administrators), in order, with ids above `after`, of the `types` when not empty.
    public func events(
        of tenant: TenantID?, after: Int64?, types: Set<OutboxEvent.Kind>, limit: Int, _ caller: Caller
    ) async throws -> [OutboxEvent] {
        if let tenant {
            try await authorization.require(.readEvents, in: tenant, caller)
        } else {
            try authorization.requireSystemAdmin(caller, action: "readEvents")
        }
        return try await store.events(after: after, tenant: tenant, types: types, limit: limit)
    }
}
