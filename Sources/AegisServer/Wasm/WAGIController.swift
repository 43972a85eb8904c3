import AegisAuth
import AegisCore
import AegisGas
import AegisRegistry
import AegisSpin
import AegisStore
import AegisWasm
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Deployed applications over HTTP: `/apps/<tenant>/<app>/<route…>` runs the component the app's
/// Spin routes select with the WAGI contract (CGI/1.1 over WASI: request body on stdin, CGI
/// variables in the environment, headers and body read from stdout). Each request is metered and
/// charged to the app's tenant as `wagi.request`, and recorded like any run.
struct WAGIController: Sendable {
    let runner: WasmRunner
    let gate: AccessGate
    let store: any MetadataStore
    let gas: GasContext
    private let deployments = BoundedCache<String, Deployment>(capacity: 64)
    private let targets = BoundedCache<String, WasmRunner.Target>(capacity: 64)

    /// Largest request body passed to an app.
    static let maxBodyBytes = 8 << 20

    init(runner: WasmRunner, gate: AccessGate, store: any MetadataStore, gas: GasContext) {
        self.runner = runner
        self.gate = gate
        self.store = store
        self.gas = gas
    }

    /// An app's routing, by artifact digest.
    struct Deployment: Sendable {
        var routes: SpinRoutes
        /// Nil for a single module served on every path.
        var app: LockedApp?
    }

    func addRoutes(to router: Router<AegisRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .head, .options] {
            router.on("/apps/:tenant/:app", method: method) { request, context in try await handle(request, context) }
            router.on("/apps/:tenant/:app/**", method: method) { request, context in try await handle(request, context) }
        }
    }

    /// Checks that `reference` can be deployed: a Spin application with at least one WAGI route,
    /// or a single module. - Returns: its target (for the digest to pin).
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

    private func handle(_ request: Request, _ context: AegisRequestContext) async throws -> Response {
        guard let tenantText = context.parameters.get("tenant"), let tenant = try? TenantID(tenantText),
            let name = context.parameters.get("app"), let app = try await store.app(name, of: tenant)
        else { throw APIError.notFound("no such app") }
        let principal = try await caller(request, app: app, tenant: tenant)
        let repository = try RepositoryName(app.repository)
        let digest = try Digest(parsing: app.digest)
        let routing = try await translatingRunErrors {
            try await self.deployment(repository, digest: digest, base: "/apps/\(tenant)/\(name)")
        }
        guard let match = routing.routes.match(request.uri.path) else { throw APIError.notFound("no route of '\(name)' matches") }
        guard case .wagi(let executor) = match.trigger.executor else {
            throw APIError(
                status: .notImplemented, title: "Not Implemented",
                detail: "component '\(match.trigger.component)' uses Spin's wasi:http executor; only WAGI components run here")
        }
        let runnable = try await translatingRunErrors { try await self.target(routing, repository: repository, digest: digest, match: match) }

        guard let meter = context.gas else { throw APIError.badRequest("gas metering is off: app requests need a gas limit to be bounded") }
        try await startRequest(meter, tenant: tenant, principal: principal, repository: repository, request: request)
        var request = request
        let body = try await request.collectSmallBody(upTo: Self.maxBodyBytes)
        try chargeOrDeny(meter, gas.schedule.ingress(bytes: Int64(body.readableBytes)))

        let wagiRequest = WAGIRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: request.headers.map { ($0.name.canonicalName, $0.value) }, bodyLength: body.readableBytes,
            clientAddress: context.remoteAddress?.ipAddress ?? "", clientPort: context.remoteAddress?.port ?? 0,
            serverName: request.head.authority ?? "localhost", serverPort: context.localAddress?.port ?? 0)
        let input = RunInput(
            program: match.scriptName, arguments: Array(WAGI.arguments(for: wagiRequest, template: executor.argv).dropFirst()),
            environment: WAGI.environment(for: wagiRequest, route: match), stdin: Array(body.readableBytesView))
        let result = try await translatingRunErrors { try await runner.run(runnable, input: input, meter: meter) }
        runner.record(runnable, result, meter: meter, principal: principal.description, requestID: context.id, trigger: "wagi")
        return try response(for: result, meter: meter, component: match.trigger.component)
    }

    /// Who calls: anyone for a public app, else a principal allowed to run in the tenant.
    private func caller(_ request: Request, app: AppRecord, tenant: TenantID) async throws -> Principal {
        let principal = try await gate.apiPrincipal(request)
        if app.isPublic { return principal }
        guard principal.kind != .anonymous else { throw gate.authenticationRequired(request) }
        // Members without the run permission, and strangers alike, learn nothing about the app.
        guard principal.has(.run, in: tenant) else { throw APIError.notFound("no such app") }
        return principal
    }

    /// Bills the request to the app's tenant within the client's `Aegis-Gas-Limit` (or the
    /// default), reserving that limit, and charges the intrinsic gas.
    private func startRequest(_ meter: GasMeter, tenant: TenantID, principal: Principal, repository: RepositoryName, request: Request)
        async throws
    {
        do {
            try gas.applyClientLimit(request, to: meter)
            meter.bill(tenant, principal: principal.description, repository: repository.value, operation: .wagiRequest)
            meter.reservation = try await gas.accounts.reserve(meter.reading.limit, for: tenant)
            try meter.charge(gas.schedule.intrinsic(.wagiRequest))
        } catch let error as RegistryError {
            throw APIError.forbidden("\(error.message) (\(error.detail?["reason"] ?? "gas"))")
        }
    }

    private func chargeOrDeny(_ meter: GasMeter, _ gas: UInt64) throws {
        do {
            try meter.charge(gas)
        } catch {
            throw APIError.forbidden("out of gas (out_of_gas): gasLimit \(meter.reading.limit), gasUsed \(meter.reading.used)")
        }
    }

    /// The module's CGI answer, or a problem saying why there is none.
    private func response(for result: RunResult, meter: GasMeter, component: String) throws -> Response {
        switch result.status {
        case .exit where result.exitCode == 0: break
        case .exit:
            throw APIError(
                status: .internalServerError, title: "App Failed", detail: "component '\(component)' exited with \(result.exitCode ?? -1)")
        case .outOfGas:
            throw APIError.forbidden("out of gas (out_of_gas): gasLimit \(meter.reading.limit), gasUsed \(meter.reading.used)")
        case .timeout:
            throw APIError(status: .serviceUnavailable, title: "App Timed Out", detail: "component '\(component)' passed its wall-clock bound")
        case .memoryLimit, .stackExhausted, .trap:
            throw APIError(
                status: .internalServerError, title: "App Failed",
                detail: "component '\(component)' ended \(result.status.rawValue): \(result.message ?? "")")
        }
        let cgi: CGIResponse
        do {
            cgi = try CGIResponse(parsing: result.stdout)
        } catch let error as SpinError {
            throw APIError(status: .internalServerError, title: "App Failed", detail: "component '\(component)' answered no CGI response: \(error)")
        }
        try chargeOrDeny(meter, gas.schedule.egress(bytes: Int64(cgi.body.count)))
        var headers = HTTPFields()
        for header in cgi.headers {
            guard let name = HTTPField.Name(header.name), !Self.reservedHeaders.contains(name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        return Response(
            status: HTTPResponse.Status(code: cgi.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: cgi.body)))
    }

    /// Headers the server owns: a module cannot set framing or the gas headers.
    private static let reservedHeaders: Set<HTTPField.Name> = [
        .contentLength, .transferEncoding, .connection, .aegisGasUsed, .aegisGasLimit, .aegisGasPrice,
    ]

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
        // Files are cached with their component only while small: 64 entries × 4 MiB bounds the cache.
        if target.mounts.reduce(0, { $0 + $1.byteCount }) <= Self.maxCachedFileBytes {
            targets[key] = target
        }
        return target
    }

    /// Largest total of a component's files kept in the target cache.
    static let maxCachedFileBytes = 4 << 20

    private func translatingRunErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is WasmBusy {
            throw APIError.sandboxBusy(.serviceUnavailable)
        } catch let error as WasmError {
            throw APIError(status: .internalServerError, title: "App Not Runnable", detail: error.description)
        } catch let error as RegistryError where error.code.status == 404 {
            throw APIError(status: .internalServerError, title: "App Not Runnable", detail: "its artifact is gone: \(error.message)")
        }
    }
}

/// A small map that forgets everything when full (entries are cheap to rebuild).
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let capacity: Int
    private let values = Mutex<[Key: Value]>([:])

    init(capacity: Int) { self.capacity = capacity }

    subscript(key: Key) -> Value? {
        get { values.withLock { $0[key] } }
        set {
            values.withLock { values in
                if values.count >= capacity, values[key] == nil { values.removeAll(keepingCapacity: true) }
                values[key] = newValue
            }
        }
    }
}
