import AegisAuth
import AegisCore
import AegisGas
import AegisRegistry
import AegisSpin
import AegisStore
import AegisWasm
import Foundation

/// Spin applications deployed from the registry and served over WAGI at
/// `/apps/<tenant>/<app>/<route…>`: the component the app's Spin routes select runs with the WAGI
/// contract (CGI/1.1 over WASI), metered and charged to the app's tenant as `wagi.request`, and
/// recorded like any run.
public struct AppOperations: Sendable {
    let store: any MetadataStore
    let authorization: Authorization
    let metering: Metering
    let runner: WasmRunner
    private let deployments = BoundedCache<String, Deployment>(capacity: 64)
    private let targets = BoundedCache<String, WasmRunner.Target>(capacity: 64)

    init(store: any MetadataStore, authorization: Authorization, metering: Metering, runner: WasmRunner) {
        self.store = store
        self.authorization = authorization
        self.metering = metering
        self.runner = runner
    }

    /// Largest request body passed to an app.
    public static let maxBodyBytes = 8 << 20
    /// Largest total of a component's files kept in the target cache (64 entries × 4 MiB bound it).
    static let maxCachedFileBytes = 4 << 20

    /// An app's routing, by artifact digest.
    struct Deployment: Sendable {
        var routes: SpinRoutes
        /// Nil for a single module served on every path.
        var app: LockedApp?
    }

    /// Deploys (or redeploys) `name`, pinned to the digest `reference` resolves to now. Deploying
    /// publishes code over HTTP: it takes both pushing and running.
    /// - Throws: `invalid_request` for a bad name, `not_found`, `not_runnable` when nothing of it can be served.
    public func deploy(_ name: String, reference: String, public isPublic: Bool, in tenant: TenantID, _ caller: Caller) async throws
        -> AppRecord
    {
        try await authorization.require(.push, in: tenant, caller)
        guard caller.principal.has(.run, in: tenant) else { throw OperationError.forbidden("your role in '\(tenant)' does not allow running") }
        try Self.checkName(name)
        let artifact = try RunOperations.artifact(reference, in: tenant)
        let target = try await RunOperations.runnable { try await deployable(artifact.repository, artifact.reference) }
        let app = AppRecord(
            tenant: tenant.value, name: name, repository: artifact.repository.value, digest: target.digest.description, isPublic: isPublic,
            deployedBy: caller.principal.description, deployedAt: Date())
        try await store.transaction { tx in
            try tx.putApp(app)
            try tx.append(
                OutboxEvent(
                    tenant: tenant, type: .appDeployed, subject: "app:\(tenant)/\(name)",
                    payload: ["repository": .string(app.repository), "digest": .string(app.digest), "public": .bool(isPublic)], time: tx.now))
        }
        authorization.record(caller, action: "app:deploy", resource: "app:\(tenant)/\(name)", tenant: tenant, allowed: true, reason: app.digest)
        return app
    }

    public func list(in tenant: TenantID, _ caller: Caller) async throws -> [AppRecord] {
        try await authorization.require(.pull, in: tenant, caller)
        return try await store.apps(of: tenant)
    }

    /// - Throws: `not_found` when no such app is deployed.
    public func undeploy(_ name: String, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.delete, in: tenant, caller)
        try Self.checkName(name)
        try await OperationError.translating {
            try await store.transaction { tx in
                guard try tx.deleteApp(name, of: tenant) else { throw StoreError(.notFound, "no app '\(name)' in '\(tenant)'") }
                try tx.append(OutboxEvent(tenant: tenant, type: .appUndeployed, subject: "app:\(tenant)/\(name)", time: tx.now))
            }
        }
        authorization.record(caller, action: "app:undeploy", resource: "app:\(tenant)/\(name)", tenant: tenant, allowed: true, reason: "")
    }

    /// App names: one path segment of lower-case letters, digits and single dashes, 1–63 bytes.
    static func checkName(_ name: String) throws {
        guard AppRecord.isValidName(name) else { throw OperationError.invalid("app names are 1 to 63 lower-case letters, digits and inner dashes") }
    }

    /// Serves one request to an app: finds the component its routes select, runs it with the WAGI
    /// environment and the body on stdin, and returns the module's CGI answer.
    /// - Parameters:
    ///   - request: The request as the WAGI environment describes it (path includes `/apps/<tenant>/<app>`).
    ///   - gasLimit: The client's requested limit (`Aegis-Gas-Limit`), if any.
    /// - Throws: `not_found` (no app, no route; or a private app the caller may not run),
    ///   `unauthenticated`, `not_implemented` (a wasi:http component), `gas`, `busy`, `app_failed`
    ///   (with reason `exit`, `timeout`, `trap`, `not_runnable`, `bad_cgi`…).
    public func serve(
        tenant tenantText: String, app name: String, request: WAGIRequest, body: [UInt8], gasLimit: String?, _ caller: Caller
    ) async throws -> CGIResponse {
        guard let tenant = try? TenantID(tenantText), let app = try await store.app(name, of: tenant) else {
            throw OperationError.notFound("no such app")
        }
        try authorizeCaller(caller, of: app, in: tenant)
        let repository = try RepositoryName(app.repository)
        let digest = try Digest(parsing: app.digest)
        let routing = try await Self.servable { try await deployment(repository, digest: digest, base: "/apps/\(tenant)/\(name)") }
        guard let match = routing.routes.match(request.path) else { throw OperationError.notFound("no route of '\(name)' matches") }
        guard case .wagi(let executor) = match.trigger.executor else {
            throw OperationError(
                .notImplemented, "component '\(match.trigger.component)' uses Spin's wasi:http executor; only WAGI components run here")
        }
        let target = try await Self.servable { try await self.target(routing, repository: repository, digest: digest, match: match) }
        guard let meter = caller.meter else { throw OperationError.invalid("gas metering is off: app requests need a gas limit to be bounded") }
        try metering.applyLimit(gasLimit, to: meter)
        try await metering.bill(
            meter, to: tenant, principal: caller.principal.description, repository: repository.value, operation: .wagiRequest, reserving: .limit)
        meter.moved(in: Int64(body.count))
        try metering.charge(meter, metering.schedule.ingress(bytes: Int64(body.count)))
        let input = RunInput(
            program: match.scriptName, arguments: Array(WAGI.arguments(for: request, template: executor.argv).dropFirst()),
            environment: WAGI.environment(for: request, route: match), stdin: body)
        let result = try await Self.servable { try await runner.run(target, input: input, meter: meter) }
        runner.record(target, result, meter: meter, principal: caller.principal.description, requestID: caller.requestID, trigger: "wagi")
        let component = match.trigger.component
        switch result.status {
        case .exit where result.exitCode == 0: break
        case .exit: throw OperationError(.appFailed, "component '\(component)' exited with \(result.exitCode ?? -1)", reason: "exit")
        case .outOfGas:
            throw OperationError(
                .gas, "out of gas", reason: "out_of_gas", detail: ["gasLimit": String(meter.reading.limit), "gasUsed": String(meter.reading.used)])
        case .timeout: throw OperationError(.appFailed, "component '\(component)' passed its wall-clock bound", reason: "timeout")
        case .memoryLimit, .stackExhausted, .trap:
            throw OperationError(
                .appFailed, "component '\(component)' ended \(result.status.rawValue): \(result.message ?? "")", reason: result.status.rawValue)
        }
        let cgi: CGIResponse
        do {
            cgi = try CGIResponse(parsing: result.stdout)
        } catch let error as SpinError {
            throw OperationError(.appFailed, "component '\(component)' answered no CGI response: \(error)", reason: "bad_cgi")
        }
        meter.moved(out: Int64(cgi.body.count))
        try metering.charge(meter, metering.schedule.egress(bytes: Int64(cgi.body.count)))
        return cgi
    }

    /// Anyone for a public app, else a principal allowed to run in the tenant; members without
    /// the run permission and strangers alike learn nothing about the app.
    private func authorizeCaller(_ caller: Caller, of app: AppRecord, in tenant: TenantID) throws {
        if app.isPublic { return }
        try authorization.requireAuthenticated(caller)
        guard caller.principal.has(.run, in: tenant) else { throw OperationError.notFound("no such app") }
    }

    /// What `reference` deploys as: a Spin application with at least one WAGI route, or a single module.
    func deployable(_ repository: RepositoryName, _ reference: Reference) async throws -> WasmRunner.Target {
        let record = try await runner.registry.manifest(reference, in: repository)
        let deployment = try await deployment(repository, digest: record.digest)
        if let app = deployment.app {
            let wagi = try app.httpTriggers().filter { if case .wagi = $0.executor { true } else { false } }
            guard let first = wagi.first else {
                throw WasmError("the application has no WAGI route (executor = { type = \"wagi\" }); wasi:http components cannot run here yet")
            }
            return try await runner.target(of: app, repository: repository, digest: record.digest, component: first.component)
        }
        return try await runner.resolve(repository, .digest(record.digest), component: nil)
    }

    /// The routing of an app mounted at `base` (`/apps/<tenant>/<name>`).
    private func deployment(_ repository: RepositoryName, digest: Digest, base: String = "/") async throws -> Deployment {
        let key = "\(base) \(repository)@\(digest)"
        if let cached = deployments[key] { return cached }
        let record = try await runner.registry.manifest(.digest(digest), in: repository)
        let manifest = try Manifest(parsing: record.content, contentType: record.mediaType)
        let deployment: Deployment
        do {
            if let app = try await runner.spinApp(manifest, in: repository) {
                deployment = Deployment(routes: try SpinRoutes(triggers: try app.httpTriggers(), basePath: base), app: app)
            } else {
                let everything = SpinHTTPTrigger(id: "module", route: .path("/..."), component: "module", executor: .wagi(WAGIExecutor()))
                deployment = Deployment(routes: try SpinRoutes(triggers: [everything], basePath: base), app: nil)
            }
        } catch let error as SpinError {
            throw WasmError("the application cannot be served: \(error)")
        }
        deployments[key] = deployment
        return deployment
    }

    private func target(_ deployment: Deployment, repository: RepositoryName, digest: Digest, match: SpinRouteMatch) async throws
        -> WasmRunner.Target
    {
        let key = "\(repository)@\(digest)#\(match.trigger.component)"
        if let cached = targets[key] { return cached }
        let target =
            if let app = deployment.app {
                try await runner.target(of: app, repository: repository, digest: digest, component: match.trigger.component)
            } else {
                try await runner.resolve(repository, .digest(digest), component: nil)
            }
        if target.mounts.reduce(0, { $0 + $1.byteCount }) <= Self.maxCachedFileBytes {
            targets[key] = target
        }
        return target
    }

    /// Errors of a deployed app's artifact: its server's fault, not the client's.
    private static func servable<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await RunOperations.runnable(body)
        } catch let error as OperationError where error.code == .notRunnable {
            throw OperationError(.appFailed, error.message, reason: "not_runnable")
        } catch let error as OperationError where error.code == .notFound {
            throw OperationError(.appFailed, "its artifact is gone: \(error.message)", reason: "not_runnable")
        }
    }
}

extension AppRecord {
    /// One path segment of lower-case letters, digits and inner single dashes, 1–63 bytes.
    public static func isValidName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count) && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
            && !name.hasPrefix("-") && !name.hasSuffix("-") && !name.contains("--")
    }
}
