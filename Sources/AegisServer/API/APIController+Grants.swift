import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addGrantRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/grants") { request, context in
            let caller = try await caller(request, context)
            let grants = try await operations.members.grants(in: try tenantParameter(context), caller)
            return try json(GrantList(grants: grants.map { GrantView(user: $0.user, repository: $0.repository, role: $0.role.rawValue) }))
        }
        api.put("tenants/:tenant/grants") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewGrant.self, from: request)
            try await operations.members.grant(try Self.role(body.role), to: body.user, on: body.repository, in: tenant, caller)
            return try json(GrantView(user: body.user, repository: body.repository, role: body.role))
        }
        api.delete("tenants/:tenant/grants") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            guard let user = request.query("user"), let repository = request.query("repository") else {
                throw APIError.badRequest("user and repository are required")
            }
            try await operations.members.revoke(from: user, on: repository, in: tenant, caller)
            return Response(status: .noContent)
        }
    }
}

struct GrantView: Encodable {
    var user: String
    /// Below the tenant: `app`, or `team/*` for every repository under `team/`.
    var repository: String
    var role: String
}

struct GrantList: Encodable {
    var grants: [GrantView]
}

struct NewGrant: APIRequestBody {
    static let fields: Set<String> = ["user", "repository", "role"]
    var user: String
    var repository: String
    var role: String
}
