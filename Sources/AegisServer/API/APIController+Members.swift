import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addMemberRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/members") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            let members = try await store.members(of: tenant).map { MemberView(user: $0.user, role: $0.role.rawValue) }
            return try json(MemberList(members: members))
        }
        api.put("tenants/:tenant/members/:user") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            let user = context.parameters.get("user") ?? ""
            let body = try await decode(NewRole.self, from: request)
            guard let role = Role(rawValue: body.role) else {
                throw APIError.badRequest("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            // Only owners (and system administrators) hand out the owner role.
            if role == .owner, !principal.has(.manageTenant, in: tenant) {
                throw APIError.forbidden("only owners may make owners")
            }
            try await translating { try await store.setRole(role, of: user, in: tenant) }
            gate.identity.forgetCachedCredentials()
            return try json(MemberView(user: user, role: role.rawValue))
        }
        api.delete("tenants/:tenant/members/:user") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageMembers, in: tenant, for: principal, request: request, context: context)
            let user = context.parameters.get("user") ?? ""
            guard try await store.members(of: tenant).contains(where: { $0.user == user }) else {
                throw APIError.notFound("'\(user)' is not a member of '\(tenant)'")
            }
            try await translating { try await store.setRole(nil, of: user, in: tenant) }
            gate.identity.forgetCachedCredentials()
            return Response(status: .noContent)
        }
    }
}

struct MemberView: Encodable {
    var user: String
    var role: String
}

struct MemberList: Encodable {
    var members: [MemberView]
}

struct NewRole: APIRequestBody {
    static let fields: Set<String> = ["role"]
    var role: String
}
