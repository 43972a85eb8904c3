/// A principal's role inside one tenant. The action matrix is `permissions`; `docs/ACCESS.md`
/// renders the same table for people.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case owner
    case admin
    case maintainer
    case developer
    case reader
    case runner
    case auditor

    /// What the role allows inside its tenant.
    public var permissions: Set<Permission> {
        switch self {
        case .owner: Set(Permission.allCases)
        case .admin: Set(Permission.allCases).subtracting([.manageTenant])
        case .maintainer: [.pull, .push, .delete, .run]
        case .developer: [.pull, .push, .run]
        case .reader: [.pull]
        case .runner: [.pull, .run]
        case .auditor: [.pull, .readAudit, .readEvents]
        }
    }
}

/// Something a role may allow.
public enum Permission: String, Sendable, Hashable, Codable, CaseIterable {
    /// Read manifests, blobs, tags and referrers.
    case pull
    /// Upload blobs and manifests (creating repositories).
    case push
    /// Delete tags, manifests and blob links.
    case delete
    /// Execute WASM artifacts.
    case run
    /// Add and remove tenant members.
    case manageMembers
    /// Create and revoke robot accounts.
    case manageRobots
    /// Change or delete the tenant itself.
    case manageTenant
    /// Read the tenant's audit log.
    case readAudit
    /// Read the tenant's event log.
    case readEvents
    /// Add, change and remove the tenant's webhooks, and read their delivery logs.
    case manageWebhooks
}
