import AegisCore
import AegisSpin
import Foundation
import Testing

@Suite struct SpinPackageTests {
    static func exampleTree() throws -> InMemorySpinSourceTree {
        let files = ["spin.toml", "infer.wasm", "infer.c", "model/model-card.md", "model/weights.txt", "data/iris.csv"]
        return InMemorySpinSourceTree(
            files: Dictionary(uniqueKeysWithValues: try files.map { ($0, try repositoryFile("Examples/model-inference/\($0)")) }))
    }

    static func exampleManifest() throws -> SpinManifest {
        try SpinManifest(parsing: String(decoding: try repositoryFile("Examples/model-inference/spin.toml"), as: UTF8.self))
    }

    @Test func packagesTheModelInferenceExampleLikeSpinRegistryPush() throws {
        let tree = try Self.exampleTree()
        let package = try SpinPackage(manifest: try Self.exampleManifest(), sources: tree)

        #expect(
            package.layers.map(\.mediaType) == [
                SpinMediaType.wasmLayer, SpinMediaType.dataLayer, SpinMediaType.dataLayer, SpinMediaType.lockedApp,
            ])
        #expect(package.layers[0].bytes == (try tree.read("infer.wasm")))
        #expect(package.layers[1].bytes == (try tree.read("model/model-card.md")))
        #expect(package.layers[2].bytes == (try tree.read("model/weights.txt")))
        #expect(package.blobs.first == package.config)

        let component = try #require(package.lockedApp.component("infer"))
        #expect(component.source == LockedApp.Source(content: LockedApp.ContentRef(digest: package.layers[0].digest.description)))
        #expect(
            component.files == [
                LockedApp.File(content: LockedApp.ContentRef(digest: package.layers[1].digest.description), path: "model/model-card.md"),
                LockedApp.File(content: LockedApp.ContentRef(digest: package.layers[2].digest.description), path: "model/weights.txt"),
            ])
        #expect(
            package.lockedApp.triggers == [
                LockedApp.Trigger(
                    id: "infer-http-trigger", triggerType: "http",
                    triggerConfig: .object([
                        "component": .string("infer"), "route": .string("/predict/..."), "executor": .object(["type": .string("wagi")]),
                    ]))
            ])
        #expect(
            package.lockedApp.metadata == [
                "name": .string("iris-classifier"), "version": .string("1.0.0"),
                "description": .string("Iris species classifier (softmax regression) served as a WAGI handler"),
                "triggers": .object([:]), "trigger": .object(["type": .string("http")]),
            ])
        let lockedLayer = try #require(package.layers.last)
        #expect(try LockedApp(json: lockedLayer.bytes) == package.lockedApp)
        #expect(lockedLayer.bytes == (try package.lockedApp.jsonBytes()))
    }

    @Test func configCarriesTheLockedAppDigestLabel() throws {
        let package = try SpinPackage(manifest: try Self.exampleManifest(), sources: try Self.exampleTree())
        let lockedDigest = try #require(package.layers.last?.digest.description)
        #expect(package.config.mediaType == MediaType.ociConfig)
        #expect(
            String(decoding: package.config.bytes, as: UTF8.self)
                == #"{"architecture":"wasm","config":{"Labels":{"com.fermyon.spin.lockedAppDigest":"\#(lockedDigest)"}},"#
                + #""os":"Wasip1","rootfs":{"diff_ids":[],"type":"layers"}}"#)
    }

    @Test func imageManifestIsAValidOCIManifestWithInferredAnnotations() throws {
        let package = try SpinPackage(
            manifest: try Self.exampleManifest(), sources: try Self.exampleTree(),
            annotations: ["org.opencontainers.image.version": "1.0.0-rc1", "io.aegisguard.model-card": "model/model-card.md"])
        #expect(package.imageManifest.mediaType == MediaType.ociManifest)
        #expect(package.imageManifest.digest == DigestHasher.digest(of: package.imageManifest.bytes))

        let manifest = try Manifest(parsing: Data(package.imageManifest.bytes), contentType: MediaType.ociManifest)
        #expect(manifest.kind == .image)
        #expect(manifest.config == package.config.descriptor)
        #expect(manifest.layers == package.layers.map(\.descriptor))
        #expect(
            manifest.annotations == [
                "org.opencontainers.image.title": "iris-classifier",
                "org.opencontainers.image.version": "1.0.0-rc1",
                "org.opencontainers.image.description": "Iris species classifier (softmax regression) served as a WAGI handler",
                "io.aegisguard.model-card": "model/model-card.md",
            ])
    }

    @Test func packagingIsDeterministic() throws {
        let manifest = try Self.exampleManifest()
        let first = try SpinPackage(manifest: manifest, sources: try Self.exampleTree())
        let second = try SpinPackage(manifest: manifest, sources: try Self.exampleTree())
        #expect(first == second)
        #expect(first.imageManifest.digest == second.imageManifest.digest)
    }

    static let smallApp = """
        spin_manifest_version = 2
        [application]
        name = "files"
        authors = ["Ada", "Grace"]
        [[trigger.http]]
        route = "/a/..."
        component = "a"
        [[trigger.http]]
        route = "/b"
        component = "b"
        [component.a]
        source = "a.wasm"
        files = ["static/**/*", "top.txt", "docs", { source = "assets", destination = "/srv" }, { source = "one.txt", destination = "/etc/one.conf" }]
        exclude_files = ["**/*.bak", "assets/private/*"]
        environment = { MODE = "test" }
        [component.b]
        source = "a.wasm"
        """

    static func smallTree() -> InMemorySpinSourceTree {
        InMemorySpinSourceTree(files: [
            "a.wasm": Array(repeating: 0x61, count: 300),
            "static/index.html": Array(repeating: 0x68, count: 128),
            "static/css/site.css": Array(repeating: 0x63, count: 129),
            "static/old.bak": "old".bytes,
            "top.txt": [],
            "docs/readme.md": "read me".bytes,
            "assets/logo.svg": "<svg/>".bytes,
            "assets/private/key": "secret".bytes,
            "assets/copy.txt": Array(repeating: 0x63, count: 129),
            "one.txt": "1".bytes,
            "unused.txt": "not mounted".bytes,
        ])
    }

    @Test func inlinesSmallFilesAndPushesLargeOnesOnce() throws {
        let package = try SpinPackage(manifest: try SpinManifest(parsing: Self.smallApp), sources: Self.smallTree())
        let files = try #require(package.lockedApp.component("a")?.files)

        #expect(
            files.map(\.path) == [
                "docs/readme.md", "etc/one.conf", "srv/copy.txt", "srv/logo.svg", "static/css/site.css", "static/index.html", "top.txt",
            ])
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.content) })
        #expect(byPath["static/index.html"]?.inline == Array(repeating: 0x68, count: 128), "128 bytes are inlined")
        #expect(byPath["static/css/site.css"]?.inline == nil, "129 bytes are not")
        #expect(byPath["top.txt"]?.inline == [])
        #expect(byPath["top.txt"]?.digest == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(byPath["etc/one.conf"]?.inline == "1".bytes)

        // One wasm layer for both components, one data layer for the two identical 129-byte files.
        #expect(package.layers.map(\.mediaType) == [SpinMediaType.wasmLayer, SpinMediaType.dataLayer, SpinMediaType.lockedApp])
        #expect(byPath["srv/copy.txt"]?.digest == package.layers[1].digest.description)
        #expect(byPath["static/css/site.css"]?.digest == package.layers[1].digest.description)
        #expect(package.lockedApp.component("b")?.source == package.lockedApp.component("a")?.source)
        #expect(package.lockedApp.component("a")?.environment == ["MODE": "test"])

        let manifest = try Manifest(parsing: Data(package.imageManifest.bytes), contentType: nil)
        #expect(manifest.annotations?["org.opencontainers.image.authors"] == "Ada, Grace")
        #expect(manifest.annotations?["org.opencontainers.image.version"] == nil)
    }

    @Test func resolvesURLSourcesFromDownloads() throws {
        let wasm = "\0asm\u{1}\0\0\0".bytes
        let digest = DigestHasher.digest(of: wasm).description
        let manifest = try SpinManifest(
            parsing: """
                spin_manifest_version = 2
                [application]
                name = "remote"
                [[trigger.http]]
                route = "/..."
                component = "fs"
                [component.fs]
                source = { url = "https://example.com/fs.wasm", digest = "\(digest)" }
                """)
        let tree = InMemorySpinSourceTree(files: [:])
        let package = try SpinPackage(manifest: manifest, sources: tree, downloads: ["https://example.com/fs.wasm": wasm])
        #expect(package.layers.first?.bytes == wasm)
        #expect(package.lockedApp.component("fs")?.source.content == LockedApp.ContentRef(inline: wasm, digest: digest))

        expectSpinError(.fileNotFound) { _ = try SpinPackage(manifest: manifest, sources: tree) }
        expectSpinError(.digestMismatch) {
            _ = try SpinPackage(manifest: manifest, sources: tree, downloads: ["https://example.com/fs.wasm": "other".bytes])
        }
    }

    static let badFileEntries: [(String, SpinError.Code)] = [
        (#"files = ["missing.txt"]"#, .fileNotFound),
        (#"files = [{ source = "missing", destination = "/x" }]"#, .fileNotFound),
        (#"files = [".."]"#, .filePathInvalid),
        (#"files = ["../secrets/*"]"#, .filePathInvalid),
        (#"files = ["static/."]"#, .filePathInvalid),
        (#"files = ["/etc/passwd"]"#, .filePathInvalid),
        (#"files = [{ source = "one.txt", destination = "/" }]"#, .filePathInvalid),
        (#"files = [{ source = "docs", destination = "/../up" }]"#, .filePathInvalid),
        (#"files = ["static/a**/*"]"#, .filePathInvalid),
        (#"files = ["static/[ab"]"#, .filePathInvalid),
    ]

    @Test(arguments: badFileEntries)
    func rejectsFilesThatCannotBePackaged(entry: String, code: SpinError.Code) throws {
        let manifest = try SpinManifest(
            parsing: """
                spin_manifest_version = 2
                [application]
                name = "x"
                [[trigger.http]]
                route = "/"
                component = "a"
                [component.a]
                source = "a.wasm"
                \(entry)
                """)
        expectSpinError(code) { _ = try SpinPackage(manifest: manifest, sources: Self.smallTree()) }
    }

    @Test func missingComponentSourceIsFileNotFound() throws {
        let manifest = try SpinManifest(parsing: Self.smallApp.replacing(#"source = "a.wasm""#, with: #"source = "target/none.wasm""#))
        expectSpinError(.fileNotFound) { _ = try SpinPackage(manifest: manifest, sources: Self.smallTree()) }
    }
}
