import AegisClient
import AegisCore
import AegisSpin
import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1

/// `aegisguard app push|deploy|list|undeploy`: Spin applications in the registry.
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Push Spin applications and deploy them as WAGI routes.",
        subcommands: [Push.self, Deploy.self, List.self, Undeploy.self])

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Package a spin.toml (manifest version 2) and its files as `spin registry push` does, and push it.")

        @Argument(help: "The directory holding spin.toml (or the spin.toml itself).") var path: String
        @Argument(help: "[REGISTRY/]TENANT/REPOSITORY[:TAG]") var reference: String
        @Option(help: "Registry URL when the reference names none (or AEGIS_REGISTRY).") var registry: String?
        @Option(name: .customLong("annotation"), help: "Manifest annotation KEY=VALUE (repeatable).") var annotations: [String] = []
        @Option(name: .customLong("annotation-file"), help: "Manifest annotation KEY=FILE, the file's text as the value (a model card).")
        var annotationFiles: [String] = []

        func run() async throws {
            let target = try RemoteReference(argument: reference, fallbackRegistry: defaultRegistry(registry))
            var directory = URL(fileURLWithPath: path)
            if directory.lastPathComponent == "spin.toml" { directory.deleteLastPathComponent() }
            var values: [String: String] = [:]
            for pair in annotations {
                let (key, value) = try split(pair, "--annotation")
                values[key] = value
            }
            for pair in annotationFiles {
                let (key, file) = try split(pair, "--annotation-file")
                values[key] = try String(contentsOfFile: file, encoding: .utf8)
            }
            try await reportingErrors {
                let text = try String(contentsOf: directory.appendingPathComponent("spin.toml"), encoding: .utf8)
                let package = try SpinPackage(
                    manifest: try SpinManifest(parsing: text), sources: FileSpinSourceTree(root: directory), annotations: values)
                let client = try await RegistryClient(registry: target.registry, scopes: ["repository:\(target.repository):pull,push"])
                for blob in package.blobs {
                    try await client.pushBlob(blob.bytes, digest: blob.digest, to: target.repository)
                }
                try await client.pushManifest(
                    package.imageManifest.bytes, mediaType: package.imageManifest.mediaType, to: target.repository,
                    reference: target.reference)
                print("pushed \(target.repository):\(target.reference)@\(package.imageManifest.digest)")
                print("components: \(package.lockedApp.components.map(\.id).joined(separator: ", "))")
            }
        }
    }

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin an application (or a single WAGI module) to a name, served at /apps/TENANT/NAME/…")

        @Argument(help: "The app's name (lower case, digits, '-').") var name: String
        @Argument(help: "[REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]") var reference: String
        @Option(help: "Registry URL when the reference names none (or AEGIS_REGISTRY).") var registry: String?
        @Flag(help: "Anyone may call it, without credentials (the tenant pays).") var `public` = false

        func run() async throws {
            let target = try RemoteReference(argument: reference, fallbackRegistry: defaultRegistry(registry))
            try await reportingErrors {
                let client = try await RegistryClient(registry: target.registry, scopes: [])
                let (app, _) = try await client.json(
                    .PUT, "/api/v1/tenants/\(target.tenant)/apps/\(name)",
                    body: DeployRequest(reference: target.artifact.description, public: `public`),
                    as: DeployedApp.self)
                print("deployed \(app.name) → \(app.repository)@\(app.digest) at \(target.registry)/apps/\(target.tenant)/\(app.name)/")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A tenant's deployed applications.")
        @Argument(help: "Tenant.") var tenant: String
        @Option(help: "Registry URL (or AEGIS_REGISTRY).") var registry: String?

        func run() async throws {
            try await reportingErrors {
                let client = try await RegistryClient(registry: defaultRegistry(registry), scopes: [])
                let response = try await client.send(.GET, "/api/v1/tenants/\(tenant)/apps")
                guard response.status == 200 else { throw RegistryClientError(status: response.status, body: response.body) }
                let list = try JSONDecoder().decode(DeployedApps.self, from: Data(response.body.readableBytesView))
                for app in list.apps { print("\(app.name)\t\(app.repository)@\(app.digest)\(app.isPublic ? "\tpublic" : "")") }
            }
        }
    }

    struct Undeploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop serving an application.")
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "The app's name.") var name: String
        @Option(help: "Registry URL (or AEGIS_REGISTRY).") var registry: String?

        func run() async throws {
            try await reportingErrors {
                let client = try await RegistryClient(registry: defaultRegistry(registry), scopes: [])
                let response = try await client.send(.DELETE, "/api/v1/tenants/\(tenant)/apps/\(name)")
                guard response.status == 204 else { throw RegistryClientError(status: response.status, body: response.body) }
                print("undeployed \(tenant)/\(name)")
            }
        }
    }
}

private struct DeployedApp: Decodable {
    var name: String
    var repository: String
    var digest: String
    var isPublic: Bool

    enum CodingKeys: String, CodingKey {
        case name, repository, digest
        case isPublic = "public"
    }
}

private struct DeployRequest: Encodable {
    var reference: String
    var `public`: Bool
}

private struct DeployedApps: Decodable {
    var apps: [DeployedApp]
}

func defaultRegistry(_ flag: String?) -> String {
    flag ?? ProcessInfo.processInfo.environment["AEGIS_REGISTRY"] ?? "http://127.0.0.1:5000"
}

private func split(_ pair: String, _ option: String) throws -> (String, String) {
    guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
        throw ValidationError("\(option) takes KEY=VALUE, got '\(pair)'")
    }
    return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
}

/// Prints a failure as `error: …` and exits 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RegistryClientError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode.failure
    } catch let error as SpinError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// A directory on disk as the packager's source tree.
struct FileSpinSourceTree: SpinSourceTree {
    let root: URL

    func list(directory: String) throws -> [String] {
        let base = directory.isEmpty ? root : root.appendingPathComponent(directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpinError(.fileNotFound, "'\(directory)' is not a directory")
        }
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            files.append(relative)
        }
        return files.sorted()
    }

    func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
            throw SpinError(.fileNotFound, "no file '\(path)'")
        }
        return Array(data)
    }
}
