import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addRobotRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/robots") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageRobots, in: tenant, for: principal, request: request, context: context)
            return try json(RobotList(robots: try await store.robots(in: tenant).map { RobotView($0, key: nil) }))
        }
        api.post("tenants/:tenant/robots") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageRobots, in: tenant, for: principal, request: request, context: context)
            let body = try await decode(NewRobot.self, from: request)
            guard let role = Role(rawValue: body.role ?? "developer"), role != .owner else {
                throw APIError.badRequest("a robot's role is one of admin, maintainer, developer, reader, runner, auditor")
            }
            if let days = body.expiresInDays, !(1...3650).contains(days) {
                throw APIError.badRequest("expiresInDays must be between 1 and 3650")
            }
            let expiry = body.expiresInDays.map { Date().addingTimeInterval(Double($0) * 86400) }
            let key = try await translating { try await gate.identity.createRobot(body.name, in: tenant, role: role, expiresAt: expiry) }
            guard let robot = try await store.robot(body.name, in: tenant) else { throw APIError.notFound("robot vanished") }
            return try json(RobotView(robot, key: key), status: .created)
        }
        api.delete("tenants/:tenant/robots/:robot") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageRobots, in: tenant, for: principal, request: request, context: context)
            let name = context.parameters.get("robot") ?? ""
            guard try await store.revokeRobot(name, in: tenant, at: Date()) else {
                throw APIError.notFound("no active robot '\(name)' in '\(tenant)'")
            }
            gate.identity.forgetCachedCredentials()
            return Response(status: .noContent)
        }
    }
}

struct RobotView: Encodable {
    var name: String
    /// The user name to log in with: `robot$<tenant>+<name>`.
    var username: String
    var role: String
    var createdAt: String
    var expiresAt: String?
    var revokedAt: String?
    /// The API key: present only in the answer that creates the robot.
    var key: String?

    init(_ record: RobotRecord, key: String?) {
        name = record.name
        username = RobotName(tenant: record.tenant, name: record.name).description
        role = record.role.rawValue
        createdAt = record.createdAt.ISO8601Format()
        expiresAt = record.expiresAt?.ISO8601Format()
        revokedAt = record.revokedAt?.ISO8601Format()
        self.key = key
    }
}

struct RobotList: Encodable {
    var robots: [RobotView]
}

struct NewRobot: APIRequestBody {
    static let fields: Set<String> = ["name", "role", "expiresInDays"]
    var name: String
    var role: String?
    var expiresInDays: Int?
}
