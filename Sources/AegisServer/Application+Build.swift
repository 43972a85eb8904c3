import AegisAuth
import AegisConfig
import AegisCore
import AegisGas
import AegisNATS
import AegisOperations
import AegisRegistry
import AegisStore
import AegisStoreFileSystem
import AegisStorePostgres
import AegisStoreS3
import AegisStoreSQLite
import AegisWasm
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Tracing

/// The stores of one data directory, opened once and shared by every surface. This is the one
/// place that names the drivers (the composition root).
public struct AegisStorage: Sendable {
    /// Metadata (SQLite in the data directory, or the PostgreSQL of `metadata.url`).
    public let metadata: any MetadataStore
    /// Blob bytes (files in the data directory, or the S3 bucket of `blobs.url`).
    public let blobs: any BlobStore

    /// Opens (creating and migrating when needed) the stores in the configured data directory.
    public static func open(_ configuration: AegisConfiguration) async throws -> AegisStorage {
        let metadata = try await openMetadata(configuration)
        guard let url = configuration.blobsURL else {
            return AegisStorage(metadata: metadata, blobs: try await FileSystemBlobStore(root: configuration.dataDirectory))
        }
        var credentials: SigV4Credentials?
        if let key = configuration.blobsAccessKeyID, let secret = configuration.blobsSecretAccessKey {
            credentials = SigV4Credentials(accessKeyID: key, secretAccessKey: secret)
        }
        let client = S3Client(configuration: try S3Configuration(url: url, credentials: credentials), httpClient: .shared)
        let blobs = S3BlobStore(
            client: client, catalog: metadata, partSize: configuration.blobsPartSizeBytes, logger: Logger(label: "aegis.s3"))
        return AegisStorage(metadata: metadata, blobs: blobs)
    }

    /// Opens only the metadata (for commands that work on it while the server may run: SQLite's WAL
    /// lets both, and PostgreSQL is shared by design).
    public static func openMetadata(_ configuration: AegisConfiguration) async throws -> any MetadataStore {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        if let url = configuration.metadataURL {
            var logger = Logger(label: "aegis.postgres")
            logger.logLevel = .error
            return try await PostgresMetadataStore(url: url, logger: logger)
        }
        return try SQLiteMetadataStore(path: configuration.metadataPath)
    }
}

/// Assembles the application core over one set of stores: the registry, identity, metering and
/// the WASM runner, and every operation over them. The server and the CLI both start here.
/// - Parameters:
///   - observer: Where settled usage goes besides the ledger (the server's Prometheus metrics).
/// - Throws: `CarbonSettingsError` for `[carbon]` settings that cannot be used.
public func buildOperations(
    _ configuration: AegisConfiguration, storage: AegisStorage, logger: Logger, observer: any UsageObserver = NoUsageObserver()
) throws -> Operations {
    let registry = Registry(
        metadata: storage.metadata, blobs: storage.blobs, limits: configuration.limits, blobLease: TimeInterval(configuration.gcGraceSeconds),
        logger: logger)
    let auth = configuration.auth
    let oidc =
        auth.oidcIssuers.isEmpty
        ? nil : OIDCVerifier(issuers: auth.oidcIssuers, refreshInterval: Double(auth.oidcKeyRefreshSeconds), logger: logger)
    let audit = AuditLog()
    let throttle = LoginThrottle(settings: auth.loginThrottle) { lockout in
        audit.record(
            AuditRecord(
                time: Date(), requestID: "-", principal: lockout.scope == .user ? lockout.key : "address:\(lockout.key)", tenant: nil,
                action: "lockout", resource: "login", allowed: false,
                reason: "\(lockout.scope.rawValue) locked for \(Int(lockout.seconds)) s after repeated failed logins (lockout \(lockout.count))"))
    }
    let identity = IdentityService(
        store: storage.metadata, hasher: PasswordHasher(rounds: auth.scryptRounds, blockSize: 8, parallelism: 1), oidc: oidc,
        cacheSeconds: Double(auth.credentialCacheSeconds), throttle: throttle)
    let gas = configuration.gas
    let metering = Metering(
        schedule: .standard, settings: gas,
        accounts: GasAccounts(
            store: storage.metadata, defaultBudget: gas.defaultBudget, shared: storage.metadata.isShared ? storage.metadata : nil),
        ledger: GasLedgerLog(), feeMarket: FeeMarket(capacity: gas.capacityPerInterval, floor: gas.price),
        carbon: try carbonAccountant(configuration, logger: logger), observer: observer)
    let wasm = configuration.wasm
    let runner = WasmRunner(
        registry: registry,
        executor: WasmExecutor(threads: wasm.threads == 0 ? System.coreCount : wasm.threads, maxQueued: wasm.maxQueuedRuns),
        store: storage.metadata, settings: wasm, schedule: metering.schedule, observer: observer, runs: RunLog())
    return Operations(
        store: storage.metadata, registry: registry, identity: identity, audit: audit, metering: metering, runner: runner,
        publicRepositories: PublicRepositoryCache(store: storage.metadata),
        webhookTargets: WebhookTargetPolicy(allowPrivate: configuration.events.webhookAllowPrivateTargets),
        carbonScheduling: carbonScheduling(configuration, accountant: metering.carbon))
}

/// Builds the AegisGuard application: routes, middleware, background services.
/// - Parameters:
///   - configuration: The effective configuration.
///   - storage: Stores to use; opened from the configuration when nil.
///   - extraServices: Services to run with the server (the trace exporter).
///   - onServerRunning: Called with the bound address once the server listens.
public func buildApplication(
    _ configuration: AegisConfiguration,
    storage: AegisStorage? = nil,
    logger: Logger? = nil,
    services extraServices: [any Service] = [],
    onServerRunning: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "aegisguard")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    let storage = if let storage { storage } else { try await AegisStorage.open(configuration) }
    let metrics = RegistryMetrics()
    let operations = try buildOperations(configuration, storage: storage, logger: logger, observer: metrics)
    let (registry, metering) = (operations.registry, operations.metering)
    if try await operations.users.bootstrapAdministrator(passwordFile: configuration.initialPasswordPath) {
        logger.notice(
            "created the system administrator 'admin'", metadata: ["password-file": "\(configuration.initialPasswordPath)"])
    }
    let auth = configuration.auth
    let day = 86400.0
    let (rotation, overlap) = (Double(auth.keyRotationDays) * day, 30 * day)
    let keys = try await SigningKeys.load(
        from: storage.metadata, importing: configuration.keysDirectory, rotation: rotation, overlap: overlap)
    let tokens = await TokenService(
        keys: keys, issuer: "aegisguard", service: auth.service, lifetime: auth.tokenLifetimeSeconds,
        reload: { [store = storage.metadata] in try await SigningKeys.load(from: store, rotation: rotation, overlap: overlap) })
    let access = RegistryAccess(operations: operations, tokens: tokens)
    let tls = configuration.tls
    let gate = AccessGate(
        access: access, publicURL: auth.publicURL, acceptsClientCertificates: tls.clientCAFile != nil, scheme: configuration.scheme,
        metrics: metrics)

    // HEAD wherever GET (the /v2 routes answer HEAD themselves; these are the other surfaces).
    let router = Router(context: AegisRequestContext.self, options: .autoGenerateHeadEndpoints)
    if !(InstrumentationSystem.tracer is NoOpTracer) { router.add(middleware: TracingMiddleware(scheme: configuration.scheme)) }
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: tls.isEnabled))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    if configuration.gas.metering { router.add(middleware: GasMiddleware(metering: metering)) }
    router.add(middleware: RequestFramingMiddleware(maxBodyBytes: configuration.limits.maxBlobBytes))
    RegistryController(registry: registry, gate: gate, metering: metering, redirectsBlobs: configuration.blobsRedirect).addRoutes(
        to: router)
    TokenController(gate: gate, tokens: TokenOperations(access: access, metering: metering)).addRoutes(to: router)
    let wagi = WAGIController(operations: operations, gate: gate)
    APIController(gate: gate, operations: operations, wagi: wagi, eventSource: configuration.eventSource).addRoutes(to: router)
    wagi.addRoutes(to: router)
    router.get("/metrics") { request, context in
        // Labels name tenants: only system administrators may scrape.
        let principal = try await gate.principal(request, context: context)
        guard principal.isSystemAdmin else {
            throw principal.kind == .anonymous
                ? gate.challenge(AccessRefusal(.authenticationRequired, "authentication required"), request: request)
                : AuthChallenge.denied("only system administrators may read the metrics")
        }
        // The outbox lag matters only where a publisher drains it; a store that cannot answer leaves it out.
        let backlog = configuration.events.natsURL == nil ? nil : try? await storage.metadata.outboxBacklog()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(
                byteBuffer: ByteBuffer(
                    bytes: metrics.render(
                        baseFee: metering.feeMarket.baseFee,
                        logins: LoginMetrics(throttle: operations.identity.throttle.statistics, hashes: operations.identity.passwordChecks),
                        backlog: backlog))))
    }

    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [CloseAfterErrorHandler()],
        idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: configuration.maxHeaderBytes, maxHeaderListSize: configuration.maxHeaderBytes,
            maxHeaderFieldCount: 100))
    // One `jobs` leadership for all once-per-cluster work: two leases of one name would be two
    // sessions contending for one lock, and the second would never lead.
    let jobs = storage.metadata.leadership("jobs")
    var services =
        extraServices
        + backgroundServices(
            configuration, operations: operations, storage: storage, tokens: tokens, jobs: jobs, observer: metrics, collection: metrics,
            logger: logger)
    services += try eventServices(
        configuration, store: storage.metadata, targets: operations.webhooks.targets, jobs: jobs, observer: metrics, logger: logger)
    let server: HTTPServerBuilder
    if let certificateFile = tls.certificateFile, let keyFile = tls.keyFile {
        let certificates = try ServerCertificates(certificateFile: certificateFile, keyFile: keyFile, logger: logger)
        let tlsConfiguration = try certificates.configuration(tls)
        services.append(CertificateReload(certificates: certificates, interval: .seconds(tls.reloadCheckSeconds)))
        if tls.http2 {
            let idle = Duration.seconds(configuration.idleTimeoutSeconds)
            server = try .http2Upgrade(
                tlsConfiguration: tlsConfiguration, configuration: .init(idleTimeout: idle, streamConfiguration: http))
        } else {
            server = try .tls(.http1(configuration: http), tlsConfiguration: tlsConfiguration)
        }
    } else {
        server = .http1(configuration: http)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "AegisGuard"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress) },
        logger: logger
    )
}

/// The background work of one server, each job on its own period (see `PeriodicService`).
///
/// Every node flushes its own buffers and follows the change feed. Work that must happen once per
/// cluster (the fee-market interval, storage accrual, audit retention, upload expiry, garbage
/// collection) runs on the leader only: the node holding the store's `jobs` leadership, which
/// another node takes over when the leader dies. On the embedded store the one node always leads.
func backgroundServices(
    _ configuration: AegisConfiguration, operations: Operations, storage: AegisStorage, tokens: TokenService, jobs lease: any LeaderLease,
    observer: any UsageObserver, collection: any CollectionObserver, logger: Logger
) -> [any Service] {
    let store = storage.metadata
    let metering = operations.metering
    let ledger = BatchWriter(metering.ledger, name: "gas charges", logger: logger) { try await store.appendCharges($0) }
    let runs = BatchWriter(operations.runner.runs, name: "run records", logger: logger) { try await RunOperations.write($0, to: store) }
    let audit = BatchWriter(operations.authorization.audit, name: "audit records", logger: logger) { try await store.appendAudit($0) }
    let retention = AuditRetention(store: store, retentionDays: configuration.auth.auditRetentionDays, logger: logger)
    let uploads = UploadExpiry(registry: operations.registry, orphanGrace: Double(configuration.orphanBlobGraceSeconds), logger: logger)
    let feeMarket = FeeMarketInterval(
        metering: metering, detector: GasAnomalyDetector(), audit: operations.authorization.audit, store: store, observer: observer,
        logger: logger)
    let feeSeconds = configuration.gas.feeIntervalSeconds
    let changes = ChangeFeed(operations: operations, logger: logger)
    var services: [any Service] = [
        PeriodicService("change feed", every: .seconds(1), tick: { await changes.poll() }),
        PeriodicService("gas charges", every: .milliseconds(250), tick: ledger.flush, atShutdown: ledger.flush),
        PeriodicService("gas balances", every: .milliseconds(100), tick: metering.accounts.flush, atShutdown: metering.accounts.flush),
        PeriodicService("run records", every: .milliseconds(250), tick: runs.flush, atShutdown: runs.flush),
        PeriodicService(
            "pull times", every: .seconds(5), tick: operations.registry.flushPulls, atShutdown: operations.registry.flushPulls),
        PeriodicService("audit records", every: .seconds(1), tick: audit.flush, atShutdown: audit.flush),
        PeriodicService("signing keys", every: .seconds(3600), tickFirst: false, tick: { await refreshKeys(tokens, logger: logger) }),
        PeriodicService("audit retention", every: .seconds(3600), tick: { if await lease.acquire() { await retention.prune() } }),
        PeriodicService(
            "storage counts", every: .seconds(60), tickFirst: false,
            tick: { if await lease.acquire() { await compactStorageCounts(store, logger: logger) } }),
        PeriodicService(
            "upload expiry", every: .seconds(configuration.uploadSweepIntervalSeconds),
            tick: { if await lease.acquire() { await uploads.sweep() } }),
        PeriodicService(
            "fee market", every: .seconds(feeSeconds), tickFirst: false,
            tick: {
                if !store.isShared {
                    await feeMarket.end()
                } else if await lease.acquire() {
                    await feeMarket.endAsLeader(interval: Double(feeSeconds))
                } else {
                    await feeMarket.follow()
                }
            }, atShutdown: { await lease.release() }),
    ]
    if configuration.gcIntervalSeconds > 0 {
        let collector = GarbageCollection(
            registry: operations.registry, grace: TimeInterval(configuration.gcGraceSeconds), observer: collection, logger: logger)
        services.append(
            PeriodicService(
                "garbage collection", every: .seconds(configuration.gcIntervalSeconds), tickFirst: false,
                tick: { if await lease.acquire() { await collector.run() } }))
    }
    if let carbon = carbonService(configuration, metering: metering, store: store, observer: observer, logger: logger) {
        services.append(carbon)
    }
    if let deferred = deferredRunService(configuration, operations: operations, logger: logger) { services.append(deferred) }
    if configuration.gas.metering || metering.carbon != nil {
        let accrual = StorageAccrual(metering: metering, store: store, logger: logger)
        let seconds = configuration.gas.storageAccrualSeconds
        services.append(
            PeriodicService(
                "storage accrual", every: .seconds(seconds), tickFirst: false,
                tick: { if await lease.acquire() { await accrual.accrue(seconds: seconds) } }))
    }
    return services
}

private func compactStorageCounts(_ store: any MetadataStore, logger: Logger) async {
    do {
        try await store.compactStorageCounts()
    } catch {
        logger.error("storage counts could not be compacted", metadata: ["error": "\(error)"])
    }
}

/// The hourly check for a rotation due (or made by another node).
private func refreshKeys(_ tokens: TokenService, logger: Logger) async {
    do {
        try await tokens.refresh()
    } catch {
        logger.error("signing keys could not be reloaded", metadata: ["error": "\(error)"])
    }
}
