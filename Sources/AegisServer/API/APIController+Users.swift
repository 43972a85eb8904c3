import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addUserRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("users") { request, context in
            let users = try await operations.users.list(try await caller(request, context))
            return try json(UserList(users: users.map { UserView($0.user, roles: $0.roles) }))
        }
        api.post("users") { request, context in
            let caller = try await caller(request, context)
            let body = try await decode(NewUser.self, from: request)
            let user = try await operations.users.create(body.name, password: body.password, systemAdmin: body.systemAdmin ?? false, caller)
            return try json(UserView(user, roles: [:]), status: .created)
        }
        api.delete("users/:user") { request, context in
            let caller = try await caller(request, context)
            try await operations.users.delete(context.parameters.get("user") ?? "", caller)
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
