import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addGrantRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/grants") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            let grants = try await store.grants(in: tenant).map {
                GrantView(user: $0.user, repository: String($0.pattern.dropFirst(tenant.value.count + 1)), role: $0.role.rawValue)
            }
            return try json(GrantList(grants: grants))
        }
        api.put("tenants/:tenant/grants") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            let body = try await decode(NewGrant.self, from: request)
            guard let role = Role(rawValue: body.role), role != .owner else {
                throw APIError.badRequest("a grant's role is one of admin, maintainer, developer, reader, runner, auditor")
            }
            let grant = try pattern(body.repository, in: tenant, role: role)
            try await translating { try await store.setGrant(role, of: body.user, on: grant.pattern, in: tenant) }
            gate.identity.forgetCachedCredentials()
            return try json(GrantView(user: body.user, repository: body.repository, role: role.rawValue))
        }
        api.delete("tenants/:tenant/grants") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            guard let user = request.query("user"), let repository = request.query("repository") else {
                throw APIError.badRequest("user and repository are required")
            }
            let grant = try pattern(repository, in: tenant, role: .reader)
            try await translating { try await store.setGrant(nil, of: user, on: grant.pattern, in: tenant) }
            gate.identity.forgetCachedCredentials()
            return Response(status: .noContent)
        }
    }

    /// `app` or `team/*` below `tenant`, as a validated grant pattern.
    private func pattern(_ repository: String, in tenant: TenantID, role: Role) throws -> RepositoryGrant {
        guard repository.utf8.count <= Visibility.maxRepositoryLength,
            let grant = try? RepositoryGrant(pattern: "\(tenant)/\(repository)", role: role)
        else {
            throw APIError.badRequest("repository must be a path below the tenant, optionally ending in /* (app, team/*)")
        }
        return grant
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
