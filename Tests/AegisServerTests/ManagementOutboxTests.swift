import AegisAuth
import AegisCore
import AegisOperations
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Every management change writes exactly one event in its own transaction, and a refused one
/// writes none; the CLI's changes are audited like the API's and seen by a running server.
@Suite struct ManagementOutboxTests {
    private func api(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ json: String? = nil
    ) async throws -> HTTPResponse.Status {
        try await client.execute(
            uri: "/api/v1/\(path)", method: method, headers: json == nil ? [:] : [.contentType: "application/json"],
            body: json.map { ByteBuffer(string: $0) }
        ) { $0.status }
    }

    @Test func eachManagementChangeWritesOneEventAndARefusalNone() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        // (status expected, event expected or nil) for each call, in order.
        let steps: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String?)] = [
            (.post, "tenants", #"{"name":"initech"}"#, .created, "tenant.created tenant:initech"),
            (.post, "tenants", #"{"name":"initech"}"#, .conflict, nil),
            (.post, "users", #"{"name":"carol","password":"correct-horse-battery"}"#, .created, "user.created user:carol"),
            (.post, "users", #"{"name":"dave","password":"short"}"#, .badRequest, nil),
            (.put, "tenants/initech/members/carol", #"{"role":"developer"}"#, .ok, "member.set user:carol"),
            (.put, "tenants/initech/members/nobody", #"{"role":"reader"}"#, .notFound, nil),
            (.put, "tenants/initech/grants", #"{"user":"carol","repository":"app","role":"maintainer"}"#, .ok, "grant.set user:carol"),
            (.delete, "tenants/initech/grants?user=carol&repository=app", nil, .noContent, "grant.removed user:carol"),
            (.delete, "tenants/initech/grants?user=carol&repository=app", nil, .notFound, nil),
            (.post, "tenants/initech/robots", #"{"name":"ci"}"#, .created, "robot.created robot$initech+ci"),
            (.delete, "tenants/initech/robots/ci", nil, .noContent, "robot.revoked robot$initech+ci"),
            (.put, "tenants/initech/visibility", #"{"repository":"open","public":true}"#, .ok, "repository.created initech/open"),
            (.put, "tenants/initech/gas/budget", #"{"budget":1000000}"#, .ok, "gas.budget_changed tenant:initech"),
            (.put, "tenants/initech/gas/budget", #"{"budget":-1}"#, .badRequest, nil),
            (.put, "tenants/initech/gas/max-price", #"{"maxPrice":5}"#, .ok, "gas.max_price_changed tenant:initech"),
            (.put, "tenants/initech/storage/quota", #"{"quota":1000}"#, .ok, "storage.quota_changed tenant:initech"),
            (.put, "tenants/initech/immutability", #"{"tagPatterns":["v*"]}"#, .ok, "tenant.immutability_changed tenant:initech"),
            (.put, "tenants/initech/immutability", #"{"tagPatterns":["v/1"]}"#, .badRequest, nil),
            (.delete, "tenants/initech/members/carol", nil, .noContent, "member.removed user:carol"),
            (.delete, "tenants/initech/members/carol", nil, .notFound, nil),
            (.delete, "users/carol", nil, .noContent, "user.deleted user:carol"),
            (.delete, "tenants/initech", nil, .conflict, nil),  // it has a repository
        ]
        try await registry.run(tenants: []) { client in
            for (method, path, body, status, _) in steps {
                let answered = try await api(client, method, path, body)
                #expect(answered == status, "\(method) \(path)")
            }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let written = try await storage.metadata.events(after: nil, limit: 100).map { "\($0.type) \($0.subject)" }
        var expected = ["user.created user:admin"]
        for step in steps {
            guard let event = step.4 else { continue }
            expected.append(event)
            // Making a repository public creates it first: two changes, two events.
            if event == "repository.created initech/open" { expected.append("repository.visibility_changed initech/open") }
        }
        #expect(written == expected)
    }

    @Test func theCLIsChangesAreAuditedAndARunningServerSeesThem() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(prepare: createTestUsers) { client in
            let alice: HTTPFields = [.authorization: basic("alice", testPassword)]
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: alice) { #expect($0.status == .accepted) }
            // Another process (the CLI) removes alice from acme while the server runs and caches her credentials.
            let storage = try await AegisStorage.open(registry.configuration)
            let cli = try buildOperations(registry.configuration, storage: storage, logger: Logger(label: "cli"))
            try await cli.members.remove("alice", from: TenantID("acme"), Caller.localOperator())
            try await storage.metadata.appendAudit(cli.authorization.audit.drain())
            try storage.metadata.close()
            var status = HTTPResponse.Status.accepted
            for _ in 0..<50 where status == .accepted {
                try await Task.sleep(for: .milliseconds(100))
                status = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: alice) { $0.status }
            }
            #expect(status == .forbidden)
        }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        let records = try await storage.metadata.audit(tenant: "acme", before: nil, limit: 100)
        let removal = try #require(records.first { $0.action == "api:manageMembers" && $0.principal.hasPrefix("operator:") })
        #expect(removal.allowed && removal.resource == "tenant:acme")
        let events = try await storage.metadata.events(after: nil, limit: 100)
        #expect(events.contains { $0.type == .memberRemoved && $0.subject == "user:alice" })
    }
}
