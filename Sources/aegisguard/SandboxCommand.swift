import AegisCore
import AegisWasm
import ArgumentParser
import Foundation

/// `aegisguard sandbox FILE -- ARGS…`: runs a local module in the same sandbox the registry uses,
/// to try a module before pushing it, and to measure the executor (`--repeat`, `--unmetered`).
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run a local WASM module in the registry's sandbox (no server needed).")

    @Argument(help: "A WASI preview 1 command module (.wasm).") var file: String
    @Option(help: "Fuel limit (one unit per WebAssembly operator).") var fuel: UInt64 = 10_000_000_000
    @Option(help: "Linear memory limit in MiB.") var memory = 64
    @Option(help: "Wall-clock bound in seconds.") var timeout = 60
    @Option(help: "Run this many times and print the timings (milliseconds) to stderr.") var `repeat` = 1
    @Flag(help: "Run on an engine that does not meter fuel (for measuring what metering costs).") var unmetered = false
    @Argument(parsing: .postTerminator, help: "Arguments for the module (after --).") var arguments: [String] = []

    func run() async throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let executor = WasmExecutor(metered: !unmetered, threads: 1)
        let module = try await executor.module(digest: DigestHasher.digest(of: bytes)) { bytes }
        let stdin = isatty(0) == 0 ? Array(FileHandle.standardInput.readDataToEndOfFile()) : []
        let input = RunInput(program: (file as NSString).lastPathComponent, arguments: arguments, stdin: stdin)
        let limits = RunLimits(fuel: fuel, memoryBytes: memory << 20, timeout: .seconds(timeout))
        var result = try await executor.run(module, input: input, limits: limits)
        var timings = [result.duration.milliseconds]
        for _ in 1..<max(1, `repeat`) {
            result = try await executor.run(module, input: input, limits: limits)
            timings.append(result.duration.milliseconds)
        }
        FileHandle.standardOutput.write(Data(result.stdout))
        FileHandle.standardError.write(Data(result.stderr))
        let ending = result.status == .exit ? "exit \(result.exitCode ?? 0)" : result.status.rawValue
        var summary = "sandbox: \(ending)\(result.message.map { ": \($0)" } ?? ""); fuel \(result.fuelUsed)"
        if timings.count > 1 {
            let sorted = timings.sorted()
            summary += String(
                format: "; ms min %.1f median %.1f max %.1f over %d runs", sorted[0], sorted[sorted.count / 2], sorted.last ?? 0, sorted.count)
        } else {
            summary += String(format: "; %.1f ms", timings[0])
        }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        throw ExitCode(result.status == .exit ? (result.exitCode ?? 0) : 125)
    }
}
