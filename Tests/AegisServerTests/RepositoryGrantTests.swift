import AegisAuth
import AegisCore
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct RepositoryGrantFlowTests {
    @Test func aGrantAloneOpensJustItsRepositories() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run { client in
            for repository in ["acme/team/one", "acme/other"] { _ = try await client.pushBlob(randomBytes(8), to: repository) }
        }
        try await registry.run(
            as: nil,
            prepare: { storage, identity in
                try await identity.createUser(name: "gus", password: testPassword)
            }
        ) { client in
            let admin: HTTPFields = [
                .authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password), .contentType: "application/json",
            ]
            try await client.execute(
                uri: "/api/v1/tenants/acme/grants", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"user":"gus","repository":"team/*","role":"developer"}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/tenants/acme/grants", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"user":"gus","repository":"team/*","role":"owner"}"#)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/tenants/acme/grants", method: .get, headers: admin) { response throws in
                #expect(String(buffer: response.body) == #"{"grants":[{"repository":"team/*","role":"developer","user":"gus"}]}"#)
            }
            let gus: HTTPFields = [.authorization: basic("gus", testPassword)]
            try await client.execute(uri: "/v2/acme/team/two/blobs/uploads/", method: .post, headers: gus) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v2/acme/other/blobs/uploads/", method: .post, headers: gus) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v2/_catalog", method: .get, headers: gus) { response throws in
                #expect(String(buffer: response.body) == #"{"repositories":["acme/team/one","acme/team/two"]}"#)
            }
            let token = try await client.execute(
                uri: "/token?scope=repository:acme/team/one:pull,push,delete&scope=repository:acme/other:pull", method: .get, headers: gus
            ) { response throws -> String in
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                return try #require(document["token"] as? String)
            }
            let access = try #require(try decodeClaims(token)["access"] as? [[String: Any]])
            #expect(access.count == 1)
            #expect(access.first?["actions"] as? [String] == ["pull", "push"])
            try await client.execute(uri: "/api/v1/tenants/acme/grants?user=gus&repository=team/*", method: .delete, headers: admin) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/tenants/acme/grants?user=gus&repository=team/*", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
            }
        }
    }
}
