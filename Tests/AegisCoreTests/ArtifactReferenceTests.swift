import AegisCore
import Testing

@Suite struct ArtifactReferenceTests {
    @Test func aHostIsRecognisedByItsDotColonOrLocalhost() throws {
        let remote = try ArtifactReference(parsing: "registry.example.com:5000/acme/app:v1")
        #expect(remote.host == "registry.example.com:5000")
        #expect(remote.description == "acme/app:v1")
        #expect(try ArtifactReference(parsing: "localhost/acme/app").host == "localhost")
        let local = try ArtifactReference(parsing: "acme/app@sha256:" + String(repeating: "a", count: 64))
        #expect(local.host == nil)
        #expect(local.reference == .digest(try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))))
    }

    @Test func noTagMeansLatest() throws {
        #expect(try ArtifactReference(parsing: "acme/app").reference == .tag(try Tag("latest")))
    }

    /// Inside the registry (the API's run and app references) a dotted first component is the
    /// tenant, not a host: `a.b/c` is the repository `a.b/c`, tag `latest`.
    @Test func withoutHostsADottedTenantIsPartOfTheName() throws {
        let reference = try ArtifactReference(parsing: "ex.ample/app", allowingHost: false)
        #expect(reference.host == nil)
        #expect(reference.repository.description == "ex.ample/app")
        #expect(reference.reference == .tag(try Tag("latest")))
        #expect(try ArtifactReference(parsing: "ex.ample/acme/app").host == "ex.ample")
    }

    @Test func badPartsAreRefusedWithTheirCode() {
        #expect(throws: RegistryError.self) { try ArtifactReference(parsing: "acme/App:v1") }
        #expect(throws: RegistryError.self) { try ArtifactReference(parsing: "acme/app:-v1") }
        #expect(throws: RegistryError.self) { try ArtifactReference(parsing: "acme/app@sha256:short") }
    }
}
