import AegisClient
import AegisCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The CLI's references share `ArtifactReference`'s grammar; only the registry URL is theirs.
@Suite struct RemoteReferenceTests {
    @Test func aHostBecomesTheRegistryURLLoopbackOverHTTP() throws {
        let local = try RemoteReference(parsing: "127.0.0.1:5000/acme/tools/hello:v1", fallbackRegistry: "http://unused")
        #expect(local.registry == "http://127.0.0.1:5000")
        #expect(local.tenant.value == "acme")
        #expect(local.repository.value == "acme/tools/hello")
        #expect(local.reference == "v1")
        let remote = try RemoteReference(parsing: "registry.example.com/acme/app", fallbackRegistry: "http://unused")
        #expect(remote.registry == "https://registry.example.com")
        #expect(remote.artifact.description == "acme/app:latest")
    }

    @Test func withoutAHostTheFallbackRegistryIsUsed() throws {
        let digest = "sha256:" + String(repeating: "b", count: 64)
        let reference = try RemoteReference(parsing: "acme/app@\(digest)", fallbackRegistry: "http://127.0.0.1:5000")
        #expect(reference.registry == "http://127.0.0.1:5000")
        #expect(reference.reference == digest)
    }

    @Test func badReferencesAreRefusedWithTheirCode() {
        #expect { try RemoteReference(parsing: "acme", fallbackRegistry: "http://x") } throws: {
            ($0 as? RegistryError)?.code == .nameInvalid
        }
        #expect { try RemoteReference(parsing: "acme/app:-bad", fallbackRegistry: "http://x") } throws: {
            ($0 as? RegistryError)?.code == .tagInvalid
        }
    }
}

@Suite struct RegistryClientTests {
    /// A registry that is not there is a one-line error naming it, not a transport error's dump.
    @Test func anUnreachableRegistryIsAClearError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-client-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(timeout: .init(connect: .seconds(1))))
        defer { _ = http.shutdown() }
        let client = try await RegistryClient(
            registry: "http://127.0.0.1:1", scopes: [], login: RegistryLogin(environment: ["AEGIS_CONFIG_DIR": directory]),
            environment: ["AEGIS_USERNAME": "x", "AEGIS_PASSWORD": "y"], client: http)
        await #expect {
            _ = try await client.send(.GET, "/v2/")
        } throws: { error in
            (error as? RegistryClientError)?.description.hasPrefix("cannot reach http://127.0.0.1:1") == true
        }
    }

    @Test func noCredentialsIsAClearError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-client-\(UUID().uuidString)").path
        await #expect {
            _ = try await RegistryClient(
                registry: "http://127.0.0.1:1/", scopes: [], login: RegistryLogin(environment: ["AEGIS_CONFIG_DIR": directory]),
                environment: [:])
        } throws: { error in
            (error as? RegistryClientError)?.description.hasPrefix("not logged in to http://127.0.0.1:1:") == true
        }
    }
}
