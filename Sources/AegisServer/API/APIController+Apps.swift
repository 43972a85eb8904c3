import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import AegisWasm
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addAppRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.put("tenants/:tenant/apps/:app") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewApp.self, from: request)
            let app = try await operations.apps.deploy(
                context.parameters.get("app") ?? "", reference: body.reference, public: body.public ?? false, in: tenant, caller)
            return try json(AppView(app))
        }
        api.get("tenants/:tenant/apps") { request, context in
            let caller = try await caller(request, context)
            return try json(AppList(apps: try await operations.apps.list(in: try tenantParameter(context), caller).map(AppView.init)))
        }
        api.delete("tenants/:tenant/apps/:app") { request, context in
            let caller = try await caller(request, context)
            try await operations.apps.undeploy(context.parameters.get("app") ?? "", in: try tenantParameter(context), caller)
            return Response(status: .noContent)
        }
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
