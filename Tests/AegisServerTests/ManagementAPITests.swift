import AegisAuth
import AegisCore
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ManagementAPITests {
    func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, as user: String? = "admin", json: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let user {
            headers[.authorization] = user == "admin" ? basic(TestRegistry.admin.user, TestRegistry.admin.password) : basic(user, testPassword)
        }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: "/api/v1/\(path)", method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func administratorManagesTenantsUsersMembersAndRobots() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil) { client in
            #expect(try await call(client, .post, "tenants", json: #"{"name":"initech"}"#).status == .created)
            #expect(try await call(client, .post, "tenants", json: #"{"name":"initech"}"#).status == .conflict)
            #expect(try await call(client, .post, "tenants", json: #"{"name":"Bad Name"}"#).status == .badRequest)
            #expect(try await call(client, .post, "users", json: #"{"name":"carol","password":"\#(testPassword)"}"#).status == .created)
            #expect(try await call(client, .post, "users", json: #"{"name":"dave","password":"short"}"#).status == .badRequest)
            let member = try await call(client, .put, "tenants/initech/members/carol", json: #"{"role":"admin"}"#)
            #expect(member.status == .ok)
            #expect(try object(member)["role"] as? String == "admin")
            #expect(try await call(client, .put, "tenants/initech/members/carol", json: #"{"role":"boss"}"#).status == .badRequest)
            #expect(try await call(client, .put, "tenants/initech/members/nobody", json: #"{"role":"reader"}"#).status == .notFound)

            // carol, an admin of initech, manages its robots but cannot create tenants or make owners.
            let created = try await call(
                client, .post, "tenants/initech/robots", as: "carol", json: #"{"name":"ci","role":"developer","expiresInDays":7}"#)
            #expect(created.status == .created)
            let robot = try object(created)
            #expect(robot["username"] as? String == "robot$initech+ci")
            let key = try #require(robot["key"] as? String)
            let listed = try await call(client, .get, "tenants/initech/robots", as: "carol")
            #expect(!String(buffer: listed.body).contains(key))
            #expect(try await call(client, .post, "tenants", as: "carol", json: #"{"name":"x"}"#).status == .forbidden)
            #expect(try await call(client, .put, "tenants/initech/members/carol", as: "carol", json: #"{"role":"owner"}"#).status == .forbidden)
            #expect(try await call(client, .delete, "tenants/initech/robots/ci", as: "carol").status == .noContent)
            #expect(try await call(client, .delete, "tenants/initech/robots/ci", as: "carol").status == .notFound)

            let me = try object(try await call(client, .get, "me", as: "carol"))
            #expect(me["roles"] as? [String: String] == ["initech": "admin"])
            let tenants = try await call(client, .get, "tenants", as: "carol")
            #expect(String(buffer: tenants.body).contains("initech") && !String(buffer: tenants.body).contains("acme"))
            #expect(try await call(client, .delete, "tenants/initech/members/carol").status == .noContent)
            #expect(try await call(client, .delete, "users/carol").status == .noContent)
            #expect(try await call(client, .delete, "users/carol").status == .notFound)
            #expect(try await call(client, .delete, "tenants/initech").status == .noContent)
        }
    }

    @Test func anotherTenantLooksExactlyLikeNoTenant() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            for path in ["tenants/acme", "tenants/acme/members", "tenants/acme/robots", "tenants/acme/audit"] {
                let foreign = try await call(client, .get, path, as: "gina")
                let absent = try await call(client, .get, path.replacingOccurrences(of: "acme", with: "nowhere"), as: "gina")
                #expect(foreign.status == .notFound, "\(path)")
                #expect(foreign.header("Content-Type") == "application/problem+json")
                #expect(String(buffer: foreign.body).replacingOccurrences(of: "acme", with: "nowhere") == String(buffer: absent.body))
            }
            // A member without the permission is told so.
            #expect(try await call(client, .get, "tenants/acme/robots", as: "bob").status == .forbidden)
            #expect(try await call(client, .get, "tenants/acme", as: "bob").status == .ok)
            let anonymous = try await call(client, .get, "tenants", as: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true)
            #expect(try await call(client, .get, "users", as: "alice").status == .forbidden)
        }
    }

    @Test func auditorsReadTheTenantsAuditLogWithPaging() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(
            as: nil,
            prepare: { storage, identity in
                try await createTestUsers(storage, identity)
                try await identity.createUser(name: "audrey", password: testPassword)
                try await storage.metadata.setRole(.auditor, of: "audrey", in: TenantID("acme"))
            }
        ) { client in
            for _ in 0..<3 {
                _ = try await client.execute(
                    uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: basic("rita", testPassword)])
            }
            try await Task.sleep(for: .milliseconds(1500))  // the audit writer flushes every second
            let first = try object(try await call(client, .get, "tenants/acme/audit?limit=2", as: "audrey"))
            let records = try #require(first["records"] as? [[String: Any]])
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0["tenant"] as? String == "acme" })
            let next = try #require(first["next"] as? Int)
            let second = try object(try await call(client, .get, "tenants/acme/audit?limit=2&before=\(next)", as: "audrey"))
            #expect(try #require(second["records"] as? [[String: Any]]).allSatisfy { ($0["id"] as? Int ?? .max) < next })
            #expect(try await call(client, .get, "tenants/acme/audit?limit=0", as: "audrey").status == .badRequest)
            #expect(try await call(client, .get, "audit", as: "audrey").status == .forbidden)
        }
    }

    @Test func badBodiesAreProblemsNotCrashes() async throws {
        try await withRegistry(as: nil) { client in
            for body in ["{", "[]", #"{"name":5}"#, "", String(repeating: "x", count: 70_000)] {
                let response = try await call(client, .post, "tenants", json: body)
                #expect([.badRequest, .contentTooLarge].contains(response.status), "\(body.prefix(10))")
                #expect(response.header("Content-Type") == "application/problem+json")
            }
        }
    }

    @Test func undeclaredMethodsAre405AndUnknownPaths404() async throws {
        try await withRegistry(as: nil) { client in
            let wrongMethod = try await call(client, .patch, "tenants")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.header("Allow") == "GET, HEAD, POST")
            #expect(wrongMethod.header("Content-Type") == "application/problem+json")
            #expect(try await call(client, .post, "tenants/acme/robots/ci").status == .methodNotAllowed)
            let unknown = try await call(client, .get, "nothing/here")
            #expect(unknown.status == .notFound)
            #expect(unknown.header("Content-Type") == "application/problem+json")
            #expect(
                try await call(client, .put, "tenants/acme/visibility", json: #"{"repository":"app","public":true,"extra":1}"#).status == .badRequest)
            #expect(
                try await call(client, .post, "users", json: #"{"name":"x1","password":"long-enough-pw","systemAdmin":null}"#).status == .badRequest)
        }
    }

    @Test func openAPIDocumentParsesAndNamesEveryRoute() async throws {
        try await withRegistry(as: nil) { client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            for path in [
                "/api/v1/me", "/api/v1/tenants", "/api/v1/tenants/{tenant}", "/api/v1/tenants/{tenant}/visibility",
                "/api/v1/tenants/{tenant}/members", "/api/v1/tenants/{tenant}/members/{user}", "/api/v1/tenants/{tenant}/robots",
                "/api/v1/tenants/{tenant}/robots/{robot}", "/api/v1/tenants/{tenant}/audit", "/api/v1/audit", "/api/v1/users",
                "/api/v1/users/{user}",
            ] {
                #expect(paths[path] != nil, "\(path)")
            }
        }
    }
}
