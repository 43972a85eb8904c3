import AegisAuth
import AegisCore
import Testing

@Suite struct AuthorizerTests {
    let authorizer = Authorizer()
    let repository: RepositoryName
    let acme: TenantID

    init() throws {
        repository = try RepositoryName("acme/app")
        acme = try TenantID("acme")
    }

    @Test(arguments: Role.allCases)
    func roleMatrix(role: Role) {
        let principal = Principal(kind: .user, name: "u", roles: [acme: role])
        let expected: [RepositoryAction: Bool] =
            switch role {
            case .owner, .admin, .maintainer: [.pull: true, .push: true, .delete: true]
            case .developer: [.pull: true, .push: true, .delete: false]
            case .reader, .runner, .auditor: [.pull: true, .push: false, .delete: false]
            }
        for (action, allowed) in expected {
            #expect(authorizer.decide(principal, action, on: repository, isPublic: false).allowed == allowed, "\(role) \(action)")
        }
    }

    @Test func rolesDoNotCrossTenants() throws {
        let principal = Principal(kind: .user, name: "u", roles: [try TenantID("globex"): .owner])
        for action in RepositoryAction.allCases {
            let decision = authorizer.decide(principal, action, on: repository, isPublic: false)
            #expect(!decision.allowed)
            #expect(decision.reason.contains("no role in acme"))
        }
    }

    @Test func publicRepositoriesAllowAnonymousPullOnly() {
        #expect(authorizer.decide(.anonymous, .pull, on: repository, isPublic: true).allowed)
        #expect(!authorizer.decide(.anonymous, .push, on: repository, isPublic: true).allowed)
        #expect(!authorizer.decide(.anonymous, .pull, on: repository, isPublic: false).allowed)
    }

    @Test func systemAdminMayDoEverything() {
        let admin = Principal(kind: .user, name: "admin", isSystemAdmin: true)
        for action in RepositoryAction.allCases {
            #expect(authorizer.decide(admin, action, on: repository, isPublic: false).allowed)
        }
    }

    @Test func grantIsTheIntersectionOfRequestedAndAllowed() async {
        let developer = Principal(kind: .user, name: "dev", roles: [acme: .developer])
        let requested = ResourceScope.parseList([
            "repository:acme/app:pull,push,delete", "repository:globex/x:pull", "registry:catalog:*", "weird:thing:x",
            "repository:acme/other:*",
        ])
        let granted = await authorizer.grant(developer, requested: requested) { _ in false }
        #expect(
            granted == [
                ResourceScope(type: "repository", name: "acme/app", actions: ["pull", "push"]),
                ResourceScope(type: "registry", name: "catalog", actions: ["*"]),
                ResourceScope(type: "repository", name: "acme/other", actions: ["pull", "push"]),
            ])
    }

    @Test func scopeParsingFollowsTheGrammar() {
        #expect(ResourceScope(parsing: "repository:localhost:5000/acme/app:pull")?.name == "localhost:5000/acme/app")
        #expect(ResourceScope(parsing: "repository(plugin):acme/app:pull")?.type == "repository")
        #expect(ResourceScope(parsing: "repository:acme/app:push,pull")?.actions == ["pull", "push"])
        #expect(ResourceScope(parsing: "repository:acme/app") == nil)
        #expect(ResourceScope(parsing: "REPO:acme/app:pull") == nil)
        #expect(ResourceScope.parseList(["repository:a/b:pull repository:c/d:push"]).count == 2)
    }
}

@Suite struct RepositoryGrantTests {
    @Test func grantsCoverExactNamesOrPathsAndOnlyTheirRole() throws {
        let principal = Principal(
            kind: .user, name: "gus",
            grants: [try RepositoryGrant(pattern: "acme/team/*", role: .developer), try RepositoryGrant(pattern: "acme/app", role: .reader)])
        let authorizer = Authorizer()
        #expect(authorizer.decide(principal, .push, on: try RepositoryName("acme/team/x"), isPublic: false).allowed)
        #expect(authorizer.decide(principal, .push, on: try RepositoryName("acme/team/x/y"), isPublic: false).allowed)
        #expect(!authorizer.decide(principal, .push, on: try RepositoryName("acme/teams"), isPublic: false).allowed)
        #expect(!authorizer.decide(principal, .delete, on: try RepositoryName("acme/team/x"), isPublic: false).allowed)
        #expect(authorizer.decide(principal, .pull, on: try RepositoryName("acme/app"), isPublic: false).allowed)
        #expect(!authorizer.decide(principal, .push, on: try RepositoryName("acme/app"), isPublic: false).allowed)
        #expect(!authorizer.decide(principal, .pull, on: try RepositoryName("acme/app2"), isPublic: false).allowed)
        #expect(throws: RegistryError.self) { try RepositoryGrant(pattern: "Bad/*", role: .reader) }
        #expect(throws: RegistryError.self) { try RepositoryGrant(pattern: "acme", role: .reader) }
        #expect(try RepositoryGrant(pattern: "acme/*", role: .reader).tenant.value == "acme")
    }
}
