import AegisClient
import AegisCore
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
