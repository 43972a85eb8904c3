import AegisSpin
import Testing

@Suite struct SpinManifestTests {
    @Test func parsesTheModelInferenceExample() throws {
        let text = String(decoding: try repositoryFile("Examples/model-inference/spin.toml"), as: UTF8.self)
        let manifest = try SpinManifest(parsing: text)

        #expect(manifest.application.name == "iris-classifier")
        #expect(manifest.application.version == "1.0.0")
        #expect(manifest.application.description == "Iris species classifier (softmax regression) served as a WAGI handler")
        #expect(manifest.application.authors.isEmpty)
        #expect(
            manifest.httpTriggers == [
                SpinHTTPTrigger(id: "infer-http-trigger", route: .path("/predict/..."), component: "infer", executor: .wagi(WAGIExecutor()))
            ])
        let component = try #require(manifest.component("infer"))
        #expect(component.source == .local("infer.wasm"))
        #expect(component.files == [.placement(source: "model", destination: "/model")])
        #expect(manifest.components.map(\.id) == ["infer"])
    }

    static let fullManifest = """
        spin_manifest_version = 2

        [application]
        name = "shop"
        version = "2.1.0"
        description = "A shop"
        authors = ["Ada <ada@example.com>", "Grace"]
        targets = ["spin-up:3.3"]

        [application.trigger.http]
        base = "/"

        [variables]
        api_host = { default = "api.example.com" }
        api_key = { required = true, secret = true, description = "the key" }

        [[trigger.http]]
        route = "/cart/..."
        component = "cart"
        executor = { type = "wagi", argv = "${SCRIPT_NAME} -v ${ARGS}", entrypoint = "_start" }

        [[trigger.http]]
        id = "home"
        route = "/"
        component = "static-files"

        [[trigger.http]]
        route = { private = true }
        component = "cart"
        executor = { type = "spin" }

        [component.static-files]
        source = { url = "https://example.com/fs.wasm", digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000" }
        files = ["static/**/*", { source = "assets", destination = "/" }]
        exclude_files = ["**/*.bak"]

        [component.cart]
        source = "target/cart.wasm"
        description = "The cart"
        environment = { LOG = "debug", MODE = "prod" }
        variables = { endpoint = "https://{{ api_host }}/v1", key = "{{api_key}}" }
        allowed_outbound_hosts = ["https://{{ api_host }}"]
        key_value_stores = ["default"]
        sqlite_databases = ["orders"]
        ai_models = ["llama2-chat"]
        [component.cart.build]
        command = "cargo build --release"
        watch = ["src/**/*.rs"]
        """

    @Test func parsesComponentsRoutesFilesEnvironmentAndVariables() throws {
        let manifest = try SpinManifest(parsing: Self.fullManifest)

        #expect(manifest.application.authors == ["Ada <ada@example.com>", "Grace"])
        #expect(manifest.variables["api_host"]?.defaultValue == "api.example.com")
        #expect(manifest.variables["api_host"]?.isRequired == false)
        #expect(manifest.variables["api_key"]?.isRequired == true)
        #expect(manifest.variables["api_key"]?.isSecret == true)
        #expect(manifest.variables["api_key"]?.description == "the key")
        #expect(manifest.triggerSettings == ["http": .object(["base": .string("/")])])

        #expect(manifest.httpTriggers.map(\.id) == ["cart-http-trigger", "home", "http-trigger1"])
        #expect(manifest.httpTriggers[0].executor == .wagi(WAGIExecutor(argv: "${SCRIPT_NAME} -v ${ARGS}")))
        #expect(manifest.httpTriggers[1].route == .path("/"))
        #expect(manifest.httpTriggers[1].executor == .http)
        #expect(manifest.httpTriggers[2].route == .private)

        #expect(manifest.components.map(\.id) == ["cart", "static-files"])
        let cart = try #require(manifest.component("cart"))
        #expect(cart.source == .local("target/cart.wasm"))
        #expect(cart.description == "The cart")
        #expect(cart.environment == ["LOG": "debug", "MODE": "prod"])
        #expect(cart.variables == ["endpoint": "https://{{ api_host }}/v1", "key": "{{api_key}}"])
        #expect(cart.allowedOutboundHosts == ["https://{{ api_host }}"])
        #expect(cart.keyValueStores == ["default"])
        #expect(cart.sqliteDatabases == ["orders"])
        #expect(cart.aiModels == ["llama2-chat"])
        #expect(cart.build?["command"] == .string("cargo build --release"))

        let files = try #require(manifest.component("static-files"))
        #expect(
            files.source == .remote(url: "https://example.com/fs.wasm", digest: "sha256:" + String(repeating: "0", count: 64)))
        #expect(files.files == [.pattern("static/**/*"), .placement(source: "assets", destination: "/")])
        #expect(files.excludeFiles == ["**/*.bak"])
    }

    @Test func toleratesUnknownKeysThatDoNotChangeBehaviour() throws {
        let manifest = try SpinManifest(
            parsing: """
                spin_manifest_version = 2
                something_new = true
                [application]
                name = "x"
                [application.tool.spin-test]
                source = "tests.wasm"
                [[trigger.http]]
                route = "/"
                component = "a"
                [component.a]
                source = "a.wasm"
                [component.a.tool.lint]
                strict = true
                [component.a.profile.debug]
                source = "debug.wasm"
                """)
        #expect(manifest.component("a")?.source == .local("a.wasm"))
    }

    static let minimalHeader = """
        spin_manifest_version = 2
        [application]
        name = "x"

        """

    static let unsupportedManifests: [(String, SpinError.Code)] = [
        ("spin_manifest_version = \"1\"\nname = \"x\"", .manifestVersionUnsupported),
        ("spin_manifest_version = 1", .manifestVersionUnsupported),
        ("spin_version = \"1\"\nname = \"x\"", .manifestVersionUnsupported),
        ("[application]\nname = \"x\"", .manifestVersionUnsupported),
        ("spin_manifest_version = 3", .manifestVersionUnsupported),
        ("spin_manifest_version = 2\n[application\nname = 1", .manifestInvalid),
        ("spin_manifest_version = 2", .manifestInvalid),
        ("spin_manifest_version = 2\n[application]\nversion = \"1\"", .manifestInvalid),
        ("spin_manifest_version = 2\n[application]\nname = 7", .manifestInvalid),
        (minimalHeader, .manifestInvalid),
        (
            minimalHeader + "[application.trigger.http]\nbase = \"/api\"\n[[trigger.http]]\nroute = \"/\"\ncomponent = \"a\"\n"
                + "[component.a]\nsource = \"a.wasm\"", .unsupported
        ),
        (minimalHeader + "[[trigger.redis]]\nchannel = \"c\"\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"", .unsupported),
        (minimalHeader + "[[trigger.http]]\nroute = \"/\"\n[trigger.http.component]\nsource = \"a.wasm\"", .unsupported),
        (minimalHeader + "[[trigger.http]]\nroute = \"/\"\nstatic_response = { body = \"hi\" }", .unsupported),
        (minimalHeader + "[[trigger.http]]\nroute = \"/\"", .manifestInvalid),
        (minimalHeader + "[[trigger.http]]\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"", .manifestInvalid),
        (minimalHeader + "[[trigger.http]]\nroute = \"/\"\ncomponent = \"missing\"", .manifestInvalid),
        (minimalHeader + "[[trigger.http]]\nroute = { private = false }\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"", .routeInvalid),
        (minimalHeader + "[[trigger.http]]\nroute = 5\ncomponent = \"a\"\n[component.a]\nsource = \"a.wasm\"", .manifestInvalid),
        (
            minimalHeader + "[[trigger.http]]\nroute = \"/\"\ncomponent = \"a\"\nexecutor = { type = \"cgi\" }\n[component.a]\nsource = \"a.wasm\"",
            .unsupported
        ),
        (
            minimalHeader + "[[trigger.http]]\nroute = \"/\"\ncomponent = \"a\"\ncomponents = { middleware = [\"b\"] }\n"
                + "[component.a]\nsource = \"a.wasm\"", .unsupported
        ),
        (minimalHeader + "[[trigger.http]]\nroute = \"/\"\ncomponent = \"my_comp\"", .identifierInvalid),
        (minimalHeader + "[trigger]\n[component.Bad-Id]\nsource = \"a.wasm\"", .identifierInvalid),
        (minimalHeader + "[trigger]\n[component.a]\nsource = { registry = \"ttl.sh\", package = \"a:b\", version = \"1.0.0\" }", .unsupported),
        (minimalHeader + "[trigger]\n[component.a]\ndescription = \"no source\"", .manifestInvalid),
        (minimalHeader + "[trigger]\n[component.a]\nsource = { url = \"https://x\" }", .manifestInvalid),
        (minimalHeader + "[trigger]\n[component.a]\nsource = \"a.wasm\"\ndependencies = { \"a:b/c\" = \"1.0.0\" }", .unsupported),
        (minimalHeader + "[trigger]\n[component.a]\nsource = \"a.wasm\"\nfiles = [7]", .manifestInvalid),
        (minimalHeader + "[trigger]\n[component.a]\nsource = \"a.wasm\"\nenvironment = { A = 1 }", .manifestInvalid),
        (minimalHeader + "[trigger]\n[variables]\nx = { required = true, default = \"d\" }", .variableInvalid),
        (minimalHeader + "[trigger]\n[variables]\nx = { secret = true }", .variableInvalid),
        (minimalHeader + "[trigger]\n[variables]\nBadName = { default = \"d\" }", .identifierInvalid),
        (minimalHeader + "[trigger]\n[component.a]\nsource = \"a.wasm\"\nvariables = { k = \"{{ nope }}\" }", .variableInvalid),
        (
            minimalHeader + "[trigger]\n[variables]\nv = { default = \"d\" }\n[component.a]\nsource = \"a.wasm\"\nvariables = { k = \"{{ v\" }",
            .variableInvalid
        ),
    ]

    @Test(arguments: unsupportedManifests)
    func rejectsInvalidOrUnsupportedManifests(text: String, code: SpinError.Code) {
        expectSpinError(code) { _ = try SpinManifest(parsing: text) }
    }

    @Test(arguments: ["a", "hello-world", "api-v2", "API-v2", "x1-y2"])
    func acceptsKebabCaseComponentIDs(id: String) throws {
        let manifest = try SpinManifest(parsing: Self.minimalHeader + "[trigger]\n[component.\(id)]\nsource = \"a.wasm\"")
        #expect(manifest.components.map(\.id) == [id])
    }

    @Test(arguments: ["a_b", "-a", "a-", "a--b", "1a", "a-2b", "Hello", "a.b"])
    func rejectsOtherComponentIDs(id: String) {
        expectSpinError(.identifierInvalid) {
            _ = try SpinManifest(parsing: Self.minimalHeader + "[trigger]\n[component.\"\(id)\"]\nsource = \"a.wasm\"")
        }
    }

    @Test func generatedTriggerIDsAvoidExplicitOnes() throws {
        let manifest = try SpinManifest(
            parsing: Self.minimalHeader + """
                [[trigger.http]]
                id = "a-http-trigger"
                route = "/x"
                component = "a"
                [[trigger.http]]
                route = "/y"
                component = "a"
                [[trigger.http]]
                id = "http-trigger1"
                route = "/z"
                component = "a"
                [[trigger.http]]
                route = "/w"
                component = "a"
                [component.a]
                source = "a.wasm"
                """)
        #expect(manifest.httpTriggers.map(\.id) == ["a-http-trigger", "http-trigger2", "http-trigger1", "http-trigger3"])
    }
}
