import AegisAuth
import AegisCore
import AegisGas
import AegisRegistry
import AegisStore
import AegisWasm

/// The application core: every use case of AegisGuard as a typed operation, whatever surface asks
/// (`/api/v1`, `/v2`, `/apps`, the CLI; later GraphQL and gRPC). Each operation checks its own
/// rules, writes its audit record, makes its change and event in one transaction, and resets the
/// caches it must; the surfaces only parse, call and render.
public struct Operations: Sendable {
    public let store: any MetadataStore
    public let registry: Registry
    public let identity: IdentityService
    public let authorization: Authorization
    public let metering: Metering
    public let runner: WasmRunner
    public let publicRepositories: PublicRepositoryCache

    public let tenants: TenantOperations
    public let users: UserOperations
    public let members: MemberOperations
    public let robots: RobotOperations
    public let audit: AuditOperations
    public let gas: GasOperations
    public let carbon: CarbonOperations
    public let storage: StorageOperations
    public let runs: RunOperations
    public let deferredRuns: DeferredRunOperations
    public let apps: AppOperations
    public let events: EventOperations
    public let webhooks: WebhookOperations
    public let retention: RetentionOperations

    /// Assembles the operations over one set of stores and services (see `buildOperations` in the
    /// server, the composition root).
    public init(
        store: any MetadataStore, registry: Registry, identity: IdentityService, audit: AuditLog, metering: Metering, runner: WasmRunner,
        publicRepositories: PublicRepositoryCache, webhookTargets: WebhookTargetPolicy = WebhookTargetPolicy(),
        carbonScheduling: CarbonScheduling? = nil
    ) {
        self.store = store
        self.registry = registry
        self.identity = identity
        self.metering = metering
        self.runner = runner
        self.publicRepositories = publicRepositories
        let authorization = Authorization(store: store, audit: audit, metering: metering)
        self.authorization = authorization
        tenants = TenantOperations(store: store, authorization: authorization, publicRepositories: publicRepositories)
        users = UserOperations(store: store, identity: identity, authorization: authorization)
        members = MemberOperations(store: store, identity: identity, authorization: authorization)
        robots = RobotOperations(store: store, identity: identity, authorization: authorization)
        self.audit = AuditOperations(store: store, authorization: authorization)
        gas = GasOperations(store: store, authorization: authorization, metering: metering)
        carbon = CarbonOperations(store: store, authorization: authorization)
        storage = StorageOperations(store: store, authorization: authorization, schedule: metering.schedule, carbon: metering.carbon)
        runs = RunOperations(store: store, authorization: authorization, metering: metering, runner: runner)
        deferredRuns = DeferredRunOperations(
            store: store, authorization: authorization, runner: runner, metering: metering, scheduling: carbonScheduling)
        apps = AppOperations(store: store, authorization: authorization, metering: metering, runner: runner)
        events = EventOperations(store: store, authorization: authorization)
        webhooks = WebhookOperations(store: store, authorization: authorization, targets: webhookTargets)
        retention = RetentionOperations(store: store, registry: registry, authorization: authorization)
    }
}
