import AegisAuth
import AegisCore
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addTenantRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants") { request, context in
            let principal = try await authenticate(request, context)
            let tenants = try await store.tenants().filter { principal.isSystemAdmin || principal.roles[$0.name] != nil }
            return try json(TenantList(tenants: tenants.map(TenantView.init)))
        }
        api.post("tenants") { request, context in
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "createTenant", context: context)
            let body = try await decode(NewTenant.self, from: request)
            let record = try await translating { try await store.createTenant(try TenantID(body.name)) }
            return try json(TenantView(record), status: .created)
        }
        api.get("tenants/:tenant") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.pull, in: tenant, for: principal, request: request, context: context)
            guard let record = try await store.tenant(tenant) else { throw APIError.notFound("tenant '\(tenant)' does not exist") }
            return try json(TenantView(record))
        }
        api.delete("tenants/:tenant") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageTenant, in: tenant, for: principal, request: request, context: context)
            try await translating { try await store.deleteTenant(tenant) }
            return Response(status: .noContent)
        }
        api.put("tenants/:tenant/visibility") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageTenant, in: tenant, for: principal, request: request, context: context)
            let body = try await decode(Visibility.self, from: request)
            guard body.repository.utf8.count <= Visibility.maxRepositoryLength else {
                throw APIError.badRequest("repository paths are at most \(Visibility.maxRepositoryLength) bytes")
            }
            let name = try await translating { try RepositoryName("\(tenant)/\(body.repository)") }
            try await translating { try await store.setPublic(body.public, repository: name) }
            return try json(VisibilityView(repository: name.value, public: body.public))
        }
    }
}

struct TenantView: Encodable {
    var name: String
    var createdAt: String

    init(_ record: TenantRecord) {
        name = record.name.value
        createdAt = record.createdAt.ISO8601Format()
    }
}

struct TenantList: Encodable {
    var tenants: [TenantView]
}

struct NewTenant: APIRequestBody {
    static let fields: Set<String> = ["name"]
    var name: String
}

struct Visibility: APIRequestBody {
    /// Leaves room for the tenant and a registry host within the 255-byte name limit.
    static let maxRepositoryLength = 180
    static let fields: Set<String> = ["repository", "public"]
    /// The repository path below the tenant (`app` or `models/resnet`).
    var repository: String
    var `public`: Bool
}

struct VisibilityView: Encodable {
    var repository: String
    var `public`: Bool
}
