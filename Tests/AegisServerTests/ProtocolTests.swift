import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ProtocolTests {
    @Test(arguments: ["/v2/", "/v2"])
    func baseEndpointAnswers200(path: String) async throws {
        try await withRegistry { client in
            try await client.execute(uri: path, method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Docker-Distribution-API-Version") == "registry/2.0")
                #expect(response.header("X-Request-Id") != nil)
            }
        }
    }

    @Test(arguments: [
        "/v2/acme/blobs/uploads/", "/v2/ACME/app/tags/list", "/v2/acme/-app/tags/list", "/v2/acme//app/tags/list",
        "/v2/acme/app../tags/list", "/v2/acme/a___b/tags/list",
    ])
    func badRepositoryNameIsNameInvalid(path: String) async throws {
        try await withRegistry { client in
            try await client.execute(uri: path, method: path.hasSuffix("uploads/") ? .post : .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "NAME_INVALID")
            }
        }
    }

    @Test func nameLongerThanTheLimitIncludingHostIsNameInvalid() async throws {
        try await withRegistry { client in
            // With `Host: localhost`, 255 - "localhost/".count = 245 bytes remain for the name.
            let remaining = 255 - TestRegistry.host(of: client).utf8.count - 1
            let fits = "acme/" + String(repeating: "a", count: remaining - 5)
            let tooLong = "acme/" + String(repeating: "a", count: remaining - 4)
            try await client.execute(uri: "/v2/\(fits)/tags/list", method: .get) { #expect($0.errorCode == "NAME_UNKNOWN") }
            try await client.execute(uri: "/v2/\(tooLong)/tags/list", method: .get) { response throws in
                #expect(response.errorCode == "NAME_INVALID")
            }
        }
    }

    @Test func repositoryMayContainReservedWords() async throws {
        try await withRegistry { client in
            let repository = "acme/blobs/manifests/tags/uploads"
            let (_, digest) = try await client.pushImage(to: repository, tag: "v1")
            try await client.execute(uri: "/v2/\(repository)/manifests/v1", method: .head) { response throws in
                #expect(response.header("Docker-Content-Digest") == digest)
            }
            try await client.execute(uri: "/v2/\(repository)/tags/list", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func unknownEndpointsAndMethods() async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/v2/acme/app/nothing/here", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "UNSUPPORTED")
            }
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .post) { response throws in
                #expect(response.status == .methodNotAllowed)
                #expect(response.errorCode == "UNSUPPORTED")
            }
        }
    }
}
