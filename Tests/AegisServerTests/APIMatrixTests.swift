import AegisAuth
import AegisCore
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every tenant-scoped `/api/v1` endpoint × {no credentials, another tenant's owner, a role too small,
/// the right role}; another tenant's answer must be byte-identical to a missing tenant's.
@Suite struct APIMatrixTests {
    struct Endpoint: Sendable {
        var name: String
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var tooSmall: String
        var rightUser: String
        var success: HTTPResponse.Status
    }

    @Test func everyTenantEndpointAnswersEachCallerExactly() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let endpoints = [
            Endpoint(name: "tenant", method: .get, path: "tenants/acme", tooSmall: "", rightUser: "rita", success: .ok),
            Endpoint(name: "members", method: .get, path: "tenants/acme/members", tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(
                name: "set member", method: .put, path: "tenants/acme/members/rita", body: #"{"role":"reader"}"#, tooSmall: "bob",
                rightUser: "alice", success: .ok),
            Endpoint(name: "robots", method: .get, path: "tenants/acme/robots", tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(
                name: "create robot", method: .post, path: "tenants/acme/robots", body: #"{"name":"ci"}"#, tooSmall: "bob", rightUser: "alice",
                success: .created),
            Endpoint(name: "revoke robot", method: .delete, path: "tenants/acme/robots/ci", tooSmall: "bob", rightUser: "alice", success: .noContent),
            Endpoint(name: "grants", method: .get, path: "tenants/acme/grants", tooSmall: "rita", rightUser: "alice", success: .ok),
            Endpoint(
                name: "set grant", method: .put, path: "tenants/acme/grants", body: #"{"user":"rita","repository":"app","role":"developer"}"#,
                tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(
                name: "remove grant", method: .delete, path: "tenants/acme/grants?user=rita&repository=app", tooSmall: "bob", rightUser: "alice",
                success: .noContent),
            Endpoint(
                name: "visibility", method: .put, path: "tenants/acme/visibility", body: #"{"repository":"app","public":true}"#, tooSmall: "bob",
                rightUser: "alice", success: .ok),
            Endpoint(name: "immutability", method: .get, path: "tenants/acme/immutability", tooSmall: "", rightUser: "rita", success: .ok),
            Endpoint(
                name: "set immutability", method: .put, path: "tenants/acme/immutability", body: #"{"tagPatterns":["v*"]}"#, tooSmall: "bob",
                rightUser: "alice", success: .ok),
            Endpoint(name: "retention", method: .get, path: "tenants/acme/retention", tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(
                name: "set retention", method: .put, path: "tenants/acme/retention", body: #"{"rules":[]}"#, tooSmall: "bob", rightUser: "alice",
                success: .ok),
            Endpoint(name: "retention plan", method: .get, path: "tenants/acme/retention/plan", tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(name: "audit", method: .get, path: "tenants/acme/audit", tooSmall: "bob", rightUser: "alice", success: .ok),
            Endpoint(name: "delete tenant", method: .delete, path: "tenants/acme", tooSmall: "bob", rightUser: "alice", success: .conflict),
        ]
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            // A repository, so deleting the tenant is refused (409) rather than destroying the fixture.
            _ = try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: basic("bob", testPassword)])
            func call(_ endpoint: Endpoint, tenant: String, as user: String?) async throws -> (HTTPResponse.Status, String) {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let user { headers[.authorization] = basic(user, testPassword) }
                return try await client.execute(
                    uri: "/api/v1/" + endpoint.path.replacingOccurrences(of: "acme", with: tenant), method: endpoint.method, headers: headers,
                    body: endpoint.body.map { ByteBuffer(string: $0) }
                ) { ($0.status, String(buffer: $0.body)) }
            }
            for endpoint in endpoints {
                #expect(try await call(endpoint, tenant: "acme", as: nil).0 == .unauthorized, "\(endpoint.name) anonymous")
                let foreign = try await call(endpoint, tenant: "acme", as: "gina")
                let missing = try await call(endpoint, tenant: "nowhere", as: "gina")
                #expect(foreign.0 == .notFound, "\(endpoint.name) from another tenant")
                #expect(foreign.1.replacingOccurrences(of: "acme", with: "nowhere") == missing.1, "\(endpoint.name) leaks")
                if !endpoint.tooSmall.isEmpty {
                    #expect(try await call(endpoint, tenant: "acme", as: endpoint.tooSmall).0 == .forbidden, "\(endpoint.name) too small")
                }
                #expect(try await call(endpoint, tenant: "acme", as: endpoint.rightUser).0 == endpoint.success, "\(endpoint.name) allowed")
            }
            // System-wide endpoints: administrators only.
            for path in ["users", "audit"] {
                #expect(
                    try await call(
                        Endpoint(name: path, method: .get, path: path, tooSmall: "", rightUser: "", success: .ok), tenant: "acme", as: "alice"
                    ).0 == .forbidden)
            }
        }
    }
}
