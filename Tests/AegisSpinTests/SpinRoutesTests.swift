import AegisSpin
import Testing

@Suite struct SpinRoutesTests {
    static let triggers: [SpinHTTPTrigger] =
        [
            ("all", "/..."), ("root", "/"), ("foo", "/foo"), ("foobar", "/foo/bar"), ("foo-wild", "/foo/..."),
            ("one", "/one/..."), ("one-two-three", "/one/two/three/..."), ("one-two", "/one/two/..."),
            ("user", "/users/:id"), ("me", "/users/me"), ("user-sub", "/users/:id/..."), ("raw", "/files/:name/raw"),
            ("dup-first", "/dup"), ("dup-second", "/dup"),
        ].map { SpinHTTPTrigger(id: $0.0, route: .path($0.1), component: $0.0) } + [
            SpinHTTPTrigger(id: "secret", route: .private, component: "secret")
        ]

    static let table: [(path: String, component: String, scriptName: String, pathInfo: String, parameters: [String: String])] = [
        ("/", "root", "", "", [:]),
        ("", "root", "", "", [:]),
        ("/foo", "foo", "/foo", "", [:]),
        ("/foo/", "foo", "/foo", "", [:]),
        ("/foo/bar", "foobar", "/foo/bar", "", [:]),
        ("/foo/baz", "foo-wild", "/foo", "/baz", [:]),
        ("/foo/baz/", "foo-wild", "/foo", "/baz/", [:]),
        ("/foo/a%20b/c", "foo-wild", "/foo", "/a%20b/c", [:]),
        ("/fooo", "all", "", "/fooo", [:]),
        ("/one", "one", "/one", "", [:]),
        ("/one/", "one", "/one", "/", [:]),
        ("/one/two", "one-two", "/one/two", "", [:]),
        ("/one/two/three/four", "one-two-three", "/one/two/three", "/four", [:]),
        ("/one/twothree", "one", "/one", "/twothree", [:]),
        ("/users/42", "user", "/users/:id", "", ["id": "42"]),
        ("/users/me", "me", "/users/me", "", [:]),
        ("/users/42/posts/7", "user-sub", "/users/:id", "/posts/7", ["id": "42"]),
        ("/files/a.txt/raw", "raw", "/files/:name/raw", "", ["name": "a.txt"]),
        ("/files/a.txt/cooked", "all", "", "/files/a.txt/cooked", [:]),
        ("/dup", "dup-second", "/dup", "", [:]),
    ]

    @Test(arguments: table)
    func precedenceFollowsSpin(path: String, component: String, scriptName: String, pathInfo: String, parameters: [String: String]) throws {
        let match = try #require(try SpinRoutes(triggers: Self.triggers).match(path))
        #expect(match.trigger.component == component)
        #expect(match.scriptName == scriptName)
        #expect(match.pathInfo == pathInfo)
        #expect(match.parameters == parameters)
    }

    @Test func precedenceDoesNotDependOnDeclarationOrder() throws {
        let routes = try SpinRoutes(triggers: Self.triggers.reversed())
        #expect(routes.match("/one/two/three/four")?.trigger.component == "one-two-three")
        #expect(routes.match("/users/me")?.trigger.component == "me")
        #expect(routes.match("/foo")?.trigger.component == "foo")
        #expect(routes.match("/dup")?.trigger.component == "dup-first", "the later declaration of a route wins")
    }

    @Test func privateRoutesNeverMatchAndNothingMatchesWithoutACatchAll() throws {
        let routes = try SpinRoutes(triggers: Self.triggers.filter { $0.id != "all" })
        #expect(routes.match("/secret") == nil)
        #expect(routes.match("/nowhere") == nil)
        #expect(routes.match("/users") == nil)
        #expect(routes.match("/users/42/") != nil)
        #expect(routes.match("/users//x") == nil)
    }

    @Test func routesAreRelativeToTheBasePath() throws {
        let routes = try SpinRoutes(
            triggers: [
                SpinHTTPTrigger(id: "predict", route: .path("/predict/..."), component: "infer"),
                SpinHTTPTrigger(id: "home", route: .path("/"), component: "home"),
            ],
            basePath: "/apps/acme/iris")
        let match = try #require(routes.match("/apps/acme/iris/predict/setosa"))
        #expect(
            match
                == SpinRouteMatch(
                    trigger: SpinHTTPTrigger(id: "predict", route: .path("/predict/..."), component: "infer"),
                    basePath: "/apps/acme/iris", matchedRoute: "/apps/acme/iris/predict/...", scriptName: "/apps/acme/iris/predict",
                    rawComponentRoute: "/predict/...", componentRoute: "/predict", pathInfo: "/setosa", parameters: [:]))
        #expect(routes.match("/apps/acme/iris")?.trigger.component == "home")
        #expect(routes.match("/apps/acme/iris/")?.matchedRoute == "/apps/acme/iris")
        #expect(routes.match("/apps/acme/irises") == nil)
        #expect(routes.match("/predict/setosa") == nil)
    }

    @Test func catchAllRouteReportsEmptyScriptName() throws {
        let match = try #require(try SpinRoutes(triggers: Self.triggers).match("/x/y"))
        #expect(match.matchedRoute == "/...")
        #expect(match.scriptName == "")
        #expect(match.componentRoute == "")
        #expect(match.rawComponentRoute == "/...")
        #expect(match.basePath == "/")
    }

    @Test(arguments: ["/a/*/b", "/a/.../b", "/:", "/files/:name.json", "/*name"])
    func rejectsRoutesSpinCannotParse(route: String) {
        expectSpinError(.routeInvalid) {
            _ = try SpinRoutes(triggers: [SpinHTTPTrigger(id: "t", route: .path(route), component: "c")])
        }
    }
}
