import AegisCore

/// What the event machinery reports besides its logs (the server's Prometheus metrics).
public protocol EventObserver: Sendable {
    /// Events the publisher had acknowledged, and whether a batch was left undelivered.
    func published(_ count: Int, failed: Bool)
    /// One delivery attempt to a tenant's webhook, and how long it took.
    func webhookAttempt(tenant: TenantID, delivered: Bool, duration: Duration)
    /// A webhook disabled after too many failures.
    func webhookDisabled(tenant: TenantID)
    /// Events retention deleted before any publisher took them.
    func eventsDropped(_ count: Int)
}

/// Observes nothing (the CLI and tests that do not look).
public struct NoEventObserver: EventObserver {
    public init() {}
    public func published(_ count: Int, failed: Bool) {}
    public func webhookAttempt(tenant: TenantID, delivered: Bool, duration: Duration) {}
    public func webhookDisabled(tenant: TenantID) {}
    public func eventsDropped(_ count: Int) {}
}
