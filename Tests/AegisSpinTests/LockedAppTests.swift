import AegisSpin
import Foundation
import Testing

@Suite struct LockedAppTests {
    /// A locked app in the shape `spin registry push` writes (crates/locked-app/src/locked.rs and
    /// crates/oci/src/client.rs): sources and files by digest, content of ≤128 bytes also inlined
    /// as unpadded base64, "origin" removed, plus members a newer Spin might add.
    static let pushedJSON = """
        {
          "spin_lock_version": 0,
          "metadata": {
            "authors": ["Ada"],
            "name": "shop",
            "trigger": { "type": "http" },
            "triggers": {},
            "version": "2.1.0"
          },
          "variables": {
            "api_host": { "default": "api.example.com" },
            "api_key": { "secret": true }
          },
          "triggers": [
            {
              "id": "cart-http-trigger",
              "trigger_type": "http",
              "trigger_config": {
                "component": "cart",
                "executor": { "type": "wagi", "argv": "${SCRIPT_NAME} -v ${ARGS}" },
                "route": "/cart/..."
              }
            },
            {
              "id": "home",
              "trigger_type": "http",
              "trigger_config": { "component": "tiny", "route": "/" },
              "some_future_field": [1, 2]
            }
          ],
          "components": [
            {
              "id": "cart",
              "metadata": { "allowed_outbound_hosts": ["https://{{ api_host }}"], "description": "The cart" },
              "source": {
                "content_type": "application/wasm",
                "digest": "sha256:a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
              },
              "env": { "LOG": "debug" },
              "files": [
                { "inline": "aGk", "digest": "sha256:8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4", "path": "hello.txt" },
                { "digest": "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", "path": "static/big.bin" },
                { "inline": "", "digest": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "path": "empty" }
              ],
              "config": { "endpoint": "https://{{ api_host }}/v1", "key": "{{ api_key }}" },
              "host_requirements": { "local_service_chaining": "optional" },
              "unknown_component_member": { "x": null }
            },
            {
              "id": "tiny",
              "source": {
                "content_type": "application/wasm",
                "inline": "AGFzbQEAAAA",
                "digest": "sha256:93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476"
              }
            }
          ],
          "never_create_field_with_this_name": 123
        }
        """

    @Test func decodesALockedAppAsSpinPushesIt() throws {
        let app = try LockedApp(json: Self.pushedJSON.bytes)

        #expect(app.mustUnderstand.isEmpty)
        #expect(app.metadata["name"] == .string("shop"))
        #expect(app.metadata["authors"] == .array([.string("Ada")]))
        #expect(app.variables["api_host"] == LockedApp.Variable(defaultValue: "api.example.com"))
        #expect(app.variables["api_key"] == LockedApp.Variable(isSecret: true))
        #expect(app.triggers.map(\.id) == ["cart-http-trigger", "home"])

        let cart = try #require(app.component("cart"))
        #expect(cart.source.contentType == "application/wasm")
        #expect(cart.source.content == LockedApp.ContentRef(digest: "sha256:a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"))
        #expect(cart.environment == ["LOG": "debug"])
        #expect(cart.files.map(\.path) == ["hello.txt", "static/big.bin", "empty"])
        #expect(cart.files[0].content.inline == "hi".bytes)
        #expect(cart.files[1].content.inline == nil)
        #expect(cart.files[2].content.inline == [])
        #expect(cart.hostRequirements.isEmpty, "optional host requirements are dropped, as Spin does")
        #expect(cart.metadata["description"] == .string("The cart"))

        let tiny = try #require(app.component("tiny"))
        #expect(tiny.source.content.inline == [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00])
    }

    @Test func roundTripsAndWritesWhatSpinWrites() throws {
        let app = try LockedApp(json: Self.pushedJSON.bytes)
        let bytes = try app.jsonBytes()
        #expect(try LockedApp(json: bytes) == app)

        let json = String(decoding: bytes, as: UTF8.self)
        #expect(json.hasPrefix(#"{"components":[{"config":{"#))
        #expect(json.contains(#""spin_lock_version":0"#))
        #expect(
            json.contains(#"{"digest":"sha256:8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4","inline":"aGk","path":"hello.txt"}"#))
        #expect(json.contains(#""inline":"AGFzbQEAAAA""#), "base64 without padding")
        #expect(json.contains(#""api_key":{"secret":true}"#))
        #expect(json.contains(#""api_host":{"default":"api.example.com"}"#))
        #expect(!json.contains("host_requirements"), "empty members are left out")
        #expect(!json.contains("must_understand"))
        #expect(!json.contains("never_create_field_with_this_name"))
        #expect(!json.contains(#"\/"#), "slashes are not escaped")
        let tiny = try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((tiny["components"] as? [[String: Any]])?.last?["metadata"] == nil)
    }

    @Test func hostRequirementsMakeItVersion1() throws {
        var app = try LockedApp(json: Self.pushedJSON.bytes)
        app.mustUnderstand = ["host_requirements"]
        app.hostRequirements = ["local_service_chaining": .string("required")]
        let json = String(decoding: try app.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""spin_lock_version":1"#))
        #expect(json.contains(#""must_understand":["host_requirements"]"#))
        #expect(try LockedApp(json: Array(json.utf8)) == app)
    }

    @Test func acceptsPaddedInlineContent() throws {
        let json = Self.pushedJSON.replacing(#""inline": "aGk""#, with: #""inline": "aGk=""#)
        let app = try LockedApp(json: json.bytes)
        #expect(app.component("cart")?.files.first?.content.inline == "hi".bytes)
    }

    static let invalidLockedApps: [String] = [
        #"{"spin_lock_version": 2, "triggers": [], "components": []}"#,
        #"{"triggers": [], "components": []}"#,
        #"{"spin_lock_version": 1, "components": []}"#,
        #"{"spin_lock_version": 1, "must_understand": ["teleportation"], "triggers": [], "components": []}"#,
        #"{"spin_lock_version": 1, "host_requirements": {"teleportation": "required"}, "triggers": [], "components": []}"#,
        #"{"spin_lock_version": 1, "triggers": [], "components": [{"id": "a", "source": {"content_type": "application/wasm", "inline": "!!"}}]}"#,
        #"{"spin_lock_version": 1, "triggers": [], "components": [{"id": "a", "source": {"inline": "AA"}}]}"#,
        #"{"spin_lock_version": 1, "triggers": [], "components": [{"id": "a", "source": {"content_type": "x"}, "host_requirements": {"gpu": "required"}}]}"#,
        "not json",
    ]

    @Test(arguments: invalidLockedApps)
    func rejectsWhatSpinRejects(json: String) {
        expectSpinError(.lockedAppInvalid) { _ = try LockedApp(json: json.bytes) }
    }

    @Test func readsHTTPTriggers() throws {
        let app = try LockedApp(json: Self.pushedJSON.bytes)
        #expect(
            try app.httpTriggers() == [
                SpinHTTPTrigger(
                    id: "cart-http-trigger", route: .path("/cart/..."), component: "cart",
                    executor: .wagi(WAGIExecutor(argv: "${SCRIPT_NAME} -v ${ARGS}"))),
                SpinHTTPTrigger(id: "home", route: .path("/"), component: "tiny"),
            ])
    }

    @Test func refusesTriggersItCannotServe() throws {
        var app = try LockedApp(json: Self.pushedJSON.bytes)
        app.triggers.append(LockedApp.Trigger(id: "r", triggerType: "redis", triggerConfig: .object(["component": .string("cart")])))
        expectSpinError(.unsupported) { _ = try app.httpTriggers() }
        app.triggers = [
            LockedApp.Trigger(id: "s", triggerType: "http", triggerConfig: .object(["route": .string("/"), "static_response": .object([:])]))
        ]
        expectSpinError(.unsupported) { _ = try app.httpTriggers() }
        app.triggers = [LockedApp.Trigger(id: "n", triggerType: "http", triggerConfig: .object(["component": .string("cart")]))]
        expectSpinError(.lockedAppInvalid) { _ = try app.httpTriggers() }
    }

    @Test func resolvesComponentConfigurationFromVariables() throws {
        let app = try LockedApp(json: Self.pushedJSON.bytes)
        #expect(
            try app.resolvedConfig(of: "cart", values: ["api_key": "s3cret"])
                == ["endpoint": "https://api.example.com/v1", "key": "s3cret"])
        #expect(
            try app.resolvedConfig(of: "cart", values: ["api_key": "k", "api_host": "eu.example.com"])["endpoint"]
                == "https://eu.example.com/v1")
        expectSpinError(.variableInvalid) { _ = try app.resolvedConfig(of: "cart") }
        #expect(try app.resolvedConfig(of: "tiny").isEmpty)
    }
}

@Suite struct JSONValueTests {
    @Test func decodesEveryKindOfValue() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":[1,2.5,"s",true,null,{"b":false}]}"#.utf8))
        #expect(value == .object(["a": .array([.integer(1), .number(2.5), .string("s"), .bool(true), .null, .object(["b": .bool(false)])])]))
        #expect(value["a"]?.arrayValue?.count == 6)
        #expect(value["missing"] == nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == #"{"a":[1,2.5,"s",true,null,{"b":false}]}"#)
    }
}
