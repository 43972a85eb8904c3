import AegisCore
import Testing

@Suite struct NameTests {
    @Test(arguments: ["acme/app", "acme/models/resnet-50", "a0/b.c/d_e/f__g/h--i", "acme/a-----b"])
    func validRepositoryNames(name: String) throws {
        let repository = try RepositoryName(name)
        #expect(repository.value == name)
        #expect(repository.tenant.value == String(name.prefix { $0 != "/" }))
    }

    @Test(arguments: ["app", "acme/", "/acme", "acme//app", "Acme/app", "acme/app.", "acme/.app", "acme/a___b", "acme/a..b", "acme/a_-b", ""])
    func invalidRepositoryNamesAreNameInvalid(name: String) {
        #expect {
            try RepositoryName(name)
        } throws: { ($0 as? RegistryError)?.code == .nameInvalid }
    }

    @Test func nameLengthIsBounded() throws {
        _ = try RepositoryName("acme/" + String(repeating: "a", count: 250))
        #expect(throws: RegistryError.self) { try RepositoryName("acme/" + String(repeating: "a", count: 251)) }
        #expect(throws: RegistryError.self) { try RepositoryName("acme/abc", maxLength: 7) }
    }

    @Test(arguments: ["latest", "v1.2.3", "_x", "A-b_c.d", String(repeating: "t", count: 128)])
    func validTags(tag: String) throws {
        #expect(try Tag(tag).value == tag)
    }

    @Test(arguments: ["", ".x", "-x", "a/b", "a:b", "ä", String(repeating: "t", count: 129)])
    func invalidTagsAreTagInvalid(tag: String) {
        #expect {
            try Tag(tag)
        } throws: { ($0 as? RegistryError)?.code == .tagInvalid }
    }

    @Test func referenceDistinguishesTagsFromDigests() throws {
        #expect(try Reference(parsing: "v1") == .tag(try Tag("v1")))
        let digest = "sha256:" + String(repeating: "b", count: 64)
        #expect(try Reference(parsing: digest) == .digest(try Digest(parsing: digest)))
    }

    @Test func tenantNamesAreOneComponent() throws {
        #expect(try TenantID("acme-corp").value == "acme-corp")
        #expect(throws: RegistryError.self) { try TenantID("acme/corp") }
        #expect(throws: RegistryError.self) { try TenantID(String(repeating: "a", count: 65)) }
    }
}

@Suite struct TagPatternTests {
    @Test(arguments: [
        ("v*", "v1.2.3", true), ("v*", "v", true), ("v*", "latest", false), ("*", "anything", true), ("latest", "latest", true),
        ("latest", "latest2", false), ("release-?.*", "release-1.4", true), ("release-?.*", "release-12.4", false),
        ("*-prod", "api-prod", true), ("*-prod", "api-prod-2", false), ("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false),
        ("*.*.*", "1.2.3", true), ("*.*.*", "1.2", false),
    ])
    func patternsMatchTags(pattern: String, tag: String, expected: Bool) throws {
        #expect(try TagPattern(pattern).matches(try Tag(tag)) == expected)
    }

    @Test func patternsWithCharactersNoTagHasAreRefused() {
        for bad in ["", "v/1", "v 1", String(repeating: "a", count: 129), "ü*"] {
            #expect(throws: RegistryError.self) { try TagPattern(bad) }
        }
    }
}
