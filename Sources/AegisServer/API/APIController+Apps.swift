import AegisAuth
import AegisCore
import AegisStore
import AegisWasm
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addAppRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.put("tenants/:tenant/apps/:app") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            // Deploying publishes code over HTTP: it takes both pushing and running.
            try await require(.push, in: tenant, for: principal, request: request, context: context)
            guard principal.has(.run, in: tenant) else { throw APIError.forbidden("your role in '\(tenant)' does not allow running") }
            let name = try appName(context)
            let body = try await decode(NewApp.self, from: request)
            let (repository, reference) = try Self.artifact(body.reference, in: tenant)
            let target: WasmRunner.Target
            do {
                target = try await wagi.deployable(repository, reference)
            } catch let error as RegistryError where error.code.status == 404 {
                throw APIError.notFound(error.message)
            } catch let error as WasmError {
                throw APIError(status: .unprocessableContent, title: "Not Deployable", detail: error.description)
            }
            let app = AppRecord(
                tenant: tenant.value, name: name, repository: repository.value, digest: target.digest.description,
                isPublic: body.public ?? false, deployedBy: principal.description, deployedAt: Date())
            try await store.putApp(app)
            audit(
                principal, action: "app:deploy", resource: "app:\(tenant)/\(name)", tenant: tenant.value, allowed: true, reason: app.digest, context)
            return try json(AppView(app))
        }
        api.get("tenants/:tenant/apps") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.pull, in: tenant, for: principal, request: request, context: context)
            return try json(AppList(apps: try await store.apps(of: tenant).map(AppView.init)))
        }
        api.delete("tenants/:tenant/apps/:app") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.delete, in: tenant, for: principal, request: request, context: context)
            let name = try appName(context)
            guard try await store.deleteApp(name, of: tenant) else { throw APIError.notFound("no app '\(name)' in '\(tenant)'") }
            audit(principal, action: "app:undeploy", resource: "app:\(tenant)/\(name)", tenant: tenant.value, allowed: true, reason: "", context)
            return Response(status: .noContent)
        }
    }

    /// App names: one path segment of lower-case letters, digits and single dashes, 1–63 bytes.
    private func appName(_ context: AegisRequestContext) throws -> String {
        guard let name = context.parameters.get("app"), AppRecord.isValidName(name) else {
            throw APIError.badRequest("app names are 1 to 63 lower-case letters, digits and inner dashes")
        }
        return name
    }
}

extension AppRecord {
    static func isValidName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count) && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
            && !name.hasPrefix("-") && !name.hasSuffix("-") && !name.contains("--")
    }
}

struct NewApp: APIRequestBody {
    static let fields: Set<String> = ["reference", "public"]
    var reference: String
    var `public`: Bool?
}

struct AppView: Encodable {
    var name: String
    var repository: String
    var digest: String
    var `public`: Bool
    var deployedBy: String
    var deployedAt: String

    init(_ app: AppRecord) {
        name = app.name
        repository = app.repository
        digest = app.digest
        self.public = app.isPublic
        deployedBy = app.deployedBy
        deployedAt = app.deployedAt.ISO8601Format()
    }
}

struct AppList: Encodable {
    var apps: [AppView]
}
