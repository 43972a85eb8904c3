import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addMemberRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/members") { request, context in
            let caller = try await caller(request, context)
            let members = try await operations.members.list(in: try tenantParameter(context), caller)
            return try json(MemberList(members: members.map { MemberView(user: $0.user, role: $0.role.rawValue) }))
        }
        api.put("tenants/:tenant/members/:user") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let user = context.parameters.get("user") ?? ""
            let role = try Self.role(try await decode(NewRole.self, from: request).role)
            try await operations.members.set(user, role: role, in: tenant, caller)
            return try json(MemberView(user: user, role: role.rawValue))
        }
        api.delete("tenants/:tenant/members/:user") { request, context in
            let caller = try await caller(request, context)
            try await operations.members.remove(context.parameters.get("user") ?? "", from: try tenantParameter(context), caller)
            return Response(status: .noContent)
        }
    }

    /// A role name from a body. - Throws: 400 naming the roles.
    static func role(_ name: String) throws -> Role {
        guard let role = Role(rawValue: name) else {
            throw APIError.badRequest("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
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
