import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addUserRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("users") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "listUsers", context: context)
            var users: [UserView] = []
            for user in try await store.users() {
                users.append(UserView(user, roles: try await store.roles(of: user.name)))
            }
            return try json(UserList(users: users))
        }
        api.post("users") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "createUser", context: context)
            let body = try await decode(NewUser.self, from: request)
            try await translating {
                try await gate.identity.createUser(name: body.name, password: body.password, systemAdmin: body.systemAdmin ?? false)
            }
            guard let user = try await store.user(named: body.name) else { throw APIError.notFound("user vanished") }
            return try json(UserView(user, roles: [:]), status: .created)
        }
        api.delete("users/:user") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "deleteUser", context: context)
            let name = context.parameters.get("user") ?? ""
            guard name != principal.name else { throw APIError.conflict("you cannot delete yourself") }
            guard try await store.deleteUser(named: name) else { throw APIError.notFound("user '\(name)' does not exist") }
            gate.identity.forgetCachedCredentials()
            return Response(status: .noContent)
        }
    }
}

struct UserView: Encodable {
    var name: String
    var systemAdmin: Bool
    var createdAt: String
    var roles: [String: String]

    init(_ record: UserRecord, roles: [TenantID: Role]) {
        name = record.name
        systemAdmin = record.isSystemAdmin
        createdAt = record.createdAt.ISO8601Format()
        self.roles = Dictionary(uniqueKeysWithValues: roles.map { ($0.key.value, $0.value.rawValue) })
    }
}

struct UserList: Encodable {
    var users: [UserView]
}

struct NewUser: APIRequestBody {
    static let fields: Set<String> = ["name", "password", "systemAdmin"]
    var name: String
    var password: String
    var systemAdmin: Bool?
}
