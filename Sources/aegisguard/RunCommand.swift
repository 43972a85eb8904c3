import AegisClient
import AegisCore
import ArgumentParser
import Foundation
import NIOHTTP1

/// `aegisguard run REFERENCE [--gas-limit N] -- ARGS…`: runs a WASM module or Spin component stored
/// in the registry, in the registry's sandbox, and relays its output and exit code.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a WASM artifact in the registry's sandbox (needs the run permission); its gas is charged to the tenant.",
        discussion: """
            Standard input is passed to the module when it is not a terminal. The module's stdout and
            stderr are relayed; the exit code is the module's, or 125 when the run did not exit
            (out_of_gas, memory_limit, stack_exhausted, trap, timeout). A summary line goes to stderr
            unless --quiet.
            """)

    @Argument(help: "[REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]") var reference: String
    @Option(help: "Registry URL when the reference names none (or AEGIS_REGISTRY).") var registry: String?
    @Option(help: "Gas limit of the run (default: the registry's).") var gasLimit: Int64?
    @Option(help: "Spin component to run (apps with several).") var component: String?
    @Option(name: .customLong("env"), help: "Environment variable NAME=VALUE for the module (repeatable).") var environment: [String] = []
    @Flag(help: "No summary line.") var quiet = false
    @Argument(parsing: .postTerminator, help: "Arguments for the module (after --).") var arguments: [String] = []

    func run() async throws {
        let fallback = registry ?? ProcessInfo.processInfo.environment["AEGIS_REGISTRY"] ?? "http://127.0.0.1:5000"
        let target = try RemoteReference(argument: reference, fallbackRegistry: fallback)
        var env: [String: String] = [:]
        for pair in environment {
            guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--env takes NAME=VALUE, got '\(pair)'") }
            env[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let stdin = isatty(0) == 0 ? FileHandle.standardInput.readDataToEndOfFile() : Data()
        let request = RunRequest(
            reference: target.artifact.description, component: component, args: arguments, env: env,
            stdin: stdin.isEmpty ? nil : stdin.base64EncodedString(), gasLimit: gasLimit)
        do {
            let client = try await RegistryClient(registry: target.registry, scopes: [])
            let (result, _) = try await client.json(.POST, "/api/v1/tenants/\(target.tenant)/runs", body: request, as: RunResponse.self)
            FileHandle.standardOutput.write(Data(base64Encoded: result.stdout) ?? Data())
            FileHandle.standardError.write(Data(base64Encoded: result.stderr) ?? Data())
            if !quiet {
                let ending = result.status == "exit" ? "exit \(result.exitCode ?? 0)" : result.status
                let detail = result.message.map { ": \($0)" } ?? ""
                FileHandle.standardError.write(
                    Data(
                        "aegisguard: \(ending)\(detail); gas used \(result.gasUsed), fuel \(result.fuelUsed), \(String(format: "%.1f", result.durationMs)) ms\n"
                            .utf8))
            }
            throw ExitCode(result.status == "exit" ? (result.exitCode ?? 0) : 125)
        } catch let error as RegistryClientError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(125)
        }
    }
}

private struct RunRequest: Encodable {
    var reference: String
    var component: String?
    var args: [String]
    var env: [String: String]
    var stdin: String?
    var gasLimit: Int64?
}

private struct RunResponse: Decodable {
    var status: String
    var exitCode: Int32?
    var message: String?
    var stdout: String
    var stderr: String
    var gasUsed: UInt64
    var fuelUsed: UInt64
    var durationMs: Double
}
