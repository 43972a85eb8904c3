import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird

extension APIController {
    func addTenantRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants") { request, context in
            let tenants = try await operations.tenants.list(try await caller(request, context))
            return try json(TenantList(tenants: tenants.map(TenantView.init)))
        }
        api.post("tenants") { request, context in
            let caller = try await caller(request, context)
            let body = try await decode(NewTenant.self, from: request)
            return try json(TenantView(try await operations.tenants.create(body.name, caller)), status: .created)
        }
        api.get("tenants/:tenant") { request, context in
            let caller = try await caller(request, context)
            return try json(TenantView(try await operations.tenants.get(try tenantParameter(context), caller)))
        }
        api.delete("tenants/:tenant") { request, context in
            let caller = try await caller(request, context)
            try await operations.tenants.delete(try tenantParameter(context), caller)
            return Response(status: .noContent)
        }
        api.put("tenants/:tenant/visibility") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(Visibility.self, from: request)
            let name = try await operations.tenants.setVisibility(body.repository, in: tenant, public: body.public, caller)
            return try json(VisibilityView(repository: name.value, public: body.public))
        }
        api.get("tenants/:tenant/immutability") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            return try json(Immutability(tagPatterns: try await operations.tenants.immutableTags(of: tenant, caller).map(\.value)))
        }
        api.put("tenants/:tenant/immutability") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(Immutability.self, from: request)
            return try json(
                Immutability(tagPatterns: try await operations.tenants.setImmutableTags(body.tagPatterns, of: tenant, caller).map(\.value)))
        }
    }
}

/// A tenant's immutability rules: tags matching a pattern (`*` any run, `?` one character) cannot
/// be moved or deleted, nor their manifests.
struct Immutability: APIRequestBody, Encodable {
    static let fields: Set<String> = ["tagPatterns"]
    var tagPatterns: [String]
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
    static let fields: Set<String> = ["repository", "public"]
    /// The repository path below the tenant (`app` or `models/resnet`).
    var repository: String
    var `public`: Bool
}

struct VisibilityView: Encodable {
    var repository: String
    var `public`: Bool
}
