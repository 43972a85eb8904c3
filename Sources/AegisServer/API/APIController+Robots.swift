import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addRobotRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/robots") { request, context in
            let caller = try await caller(request, context)
            let robots = try await operations.robots.list(in: try tenantParameter(context), caller)
            return try json(RobotList(robots: robots.map { RobotView($0, key: nil) }))
        }
        api.post("tenants/:tenant/robots") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewRobot.self, from: request)
            let role = try Self.role(body.role ?? Role.developer.rawValue)
            let (robot, key) = try await operations.robots.create(
                body.name, in: tenant, role: role, expiresInDays: body.expiresInDays, certificateIdentity: body.certificateIdentity, caller)
            return try json(RobotView(robot, key: key), status: .created)
        }
        api.delete("tenants/:tenant/robots/:robot") { request, context in
            let caller = try await caller(request, context)
            try await operations.robots.revoke(context.parameters.get("robot") ?? "", in: try tenantParameter(context), caller)
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
    /// The client-certificate identity (SPIFFE ID or subject DN) that authenticates as the robot.
    var certificateIdentity: String?
    /// The API key: present only in the answer that creates the robot.
    var key: String?

    init(_ record: RobotRecord, key: String?) {
        name = record.name
        username = RobotName(tenant: record.tenant, name: record.name).description
        role = record.role.rawValue
        createdAt = record.createdAt.ISO8601Format()
        expiresAt = record.expiresAt?.ISO8601Format()
        revokedAt = record.revokedAt?.ISO8601Format()
        certificateIdentity = record.certificateIdentity
        self.key = key
    }
}

struct RobotList: Encodable {
    var robots: [RobotView]
}

struct NewRobot: APIRequestBody {
    static let fields: Set<String> = ["name", "role", "expiresInDays", "certificateIdentity"]
    var name: String
    var role: String?
    var expiresInDays: Int?
    var certificateIdentity: String?
}
