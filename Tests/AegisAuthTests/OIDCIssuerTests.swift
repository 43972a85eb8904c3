import AegisAuth
import AegisCore
import Testing

@Suite struct OIDCIssuerTests {
    @Test func keycloakShapedClaimsMapToRoles() throws {
        var issuer = OIDCIssuer(name: "kc", issuer: "https://kc.example/realms/aegis", audience: "aegisguard")
        issuer.roleMap = ["acme-devs": "acme:developer", "acme-owners": "acme:owner"]
        issuer.adminValues = ["aegis-admin"]
        let claims: [String: Any] = [
            "preferred_username": "alice",
            "realm_access": ["roles": ["acme-devs", "acme-owners", "offline_access", "aegis:globex:reader", "aegis:bad:boss"]],
        ]
        let principal = try #require(issuer.principal(from: claims))
        #expect(principal.name == "kc:alice")
        #expect(principal.roles == [try TenantID("acme"): .owner, try TenantID("globex"): .reader])
        #expect(!principal.isSystemAdmin)
    }

    @Test func clientRolesAndGroupsWork() throws {
        var issuer = OIDCIssuer(name: "kc", issuer: "https://kc.example/realms/aegis", audience: "aegisguard")
        issuer.rolesClaim = "resource_access.aegisguard.roles"
        issuer.adminValues = ["aegis-admin"]
        let admin = try #require(
            issuer.principal(from: ["preferred_username": "root", "resource_access": ["aegisguard": ["roles": ["aegis-admin"]]]]))
        #expect(admin.isSystemAdmin)
        issuer.rolesClaim = "groups"
        let grouped = try #require(issuer.principal(from: ["preferred_username": "g", "groups": ["/aegis:acme:runner"]]))
        #expect(grouped.roles == [try TenantID("acme"): .runner])
        #expect(issuer.principal(from: ["sub": "x"]) == nil)
    }
}
