import AegisCore
import AegisWasm
import Foundation
import Testing
import WAT

@Suite struct WasmExecutorTests {
    let executor = WasmExecutor()
    static let fuel: UInt64 = 200_000_000

    private func run(
        _ name: String, _ arguments: [String] = [], environment: [String: String] = [:], stdin: [UInt8] = [], mounts: [Mount] = [],
        limits: RunLimits = RunLimits(fuel: fuel)
    ) async throws -> RunResult {
        let module = try await Fixture.module(name, executor: executor)
        return try await executor.run(
            module, input: RunInput(program: name, arguments: arguments, environment: environment, stdin: stdin, mounts: mounts),
            limits: limits)
    }

    @Test func helloWorld() async throws {
        let result = try await run("hello")
        #expect(result.status == .exit)
        #expect(result.exitCode == 0)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "hello, world\n")
        #expect(result.stderr.isEmpty)
        #expect(result.fuelUsed > 0 && result.fuelUsed < Self.fuel)
    }

    @Test func argumentsEnvironmentAndStdin() async throws {
        let result = try await run("echo", ["one", "two words"], environment: ["B": "2", "A": "1", "EXIT_CODE": "7"], stdin: Array("in\0put".utf8))
        #expect(result.status == .exit)
        #expect(result.exitCode == 7)
        #expect(
            String(decoding: result.stdout, as: UTF8.self)
                == "arg[1]=one\narg[2]=two words\nenv A=1\nenv B=2\nenv EXIT_CODE=7\nstdin=in\0put\n")
    }

    @Test(arguments: [0, 3, 42, 125]) func exitCodes(code: Int) async throws {
        let result = try await run("exit", [String(code)])
        #expect(result.status == .exit)
        #expect(result.exitCode == Int32(code))
        #expect(String(decoding: result.stderr, as: UTF8.self) == "exiting with \(code)\n")
    }

    @Test func anInfiniteLoopRunsOutOfGas() async throws {
        let result = try await run("spin", limits: RunLimits(fuel: 5_000_000))
        #expect(result.status == .outOfGas)
        #expect(result.exitCode == nil)
        #expect(result.fuelUsed == 5_000_000)
    }

    @Test func aMemoryBombHitsTheMemoryLimit() async throws {
        // A wall-clock bound far above the run's time: a loaded debug build must not turn this into a timeout.
        let result = try await run("membomb", limits: RunLimits(fuel: 2_000_000_000, memoryBytes: 16 << 20, timeout: .seconds(300)))
        #expect(result.status == .memoryLimit)
        #expect(String(decoding: result.stderr, as: UTF8.self).hasPrefix("malloc failed after"))
    }

    @Test func deepRecursionExhaustsTheStack() async throws {
        let result = try await run("recurse")
        #expect(result.status == .stackExhausted)
        let shallow = try await run("recurse", ["100"])
        #expect(shallow.status == .exit)
        #expect(String(decoding: shallow.stdout, as: UTF8.self) == "returned from depth 100\n")
    }

    @Test func filesAreDeniedUnlessMountedAndMountsAreReadOnly() async throws {
        let denied = try await run("files", ["/etc/passwd"])
        #expect(denied.status == .exit)
        #expect(denied.exitCode == 3)
        #expect(String(decoding: denied.stderr, as: UTF8.self) == "open failed: Capabilities insufficient\n")

        let model = Mount(guestPath: "/model", files: ["weights.txt": Array("1 2 3\n".utf8)])
        let granted = try await run("files", ["/model/weights.txt"], mounts: [model])
        #expect(granted.exitCode == 0)
        #expect(String(decoding: granted.stdout, as: UTF8.self) == "1 2 3\n")

        let escape = try await run("files", ["/model/../etc/passwd"], mounts: [model])
        #expect(escape.exitCode == 3)

        for path in ["/model/new.txt", "/model/weights.txt"] {
            let write = try await run("writefile", [path], mounts: [model])
            #expect(write.exitCode == 4)
            #expect(String(decoding: write.stderr, as: UTF8.self).hasPrefix("write failed: "))
        }
        let outside = try await run("writefile", ["/tmp/x"])
        #expect(outside.exitCode == 4)
    }

    @Test func hugeOutputIsTruncated() async throws {
        let result = try await run("bigout", ["8"], limits: RunLimits(fuel: 500_000_000, maxOutputBytes: 1 << 20))
        #expect(result.status == .exit)
        #expect(result.stdout.count == 1 << 20)
        #expect(result.stdoutTruncated)
        #expect(!result.stderrTruncated)
    }

    @Test func workloadsComputeTheRightAnswers() async throws {
        // Slow in a debug build under a parallel test run: a generous wall-clock bound.
        let limits = RunLimits(fuel: 2_000_000_000, timeout: .seconds(300))
        let fib = try await run("bench", ["fib", "25"], limits: limits)
        #expect(String(decoding: fib.stdout, as: UTF8.self) == "fib(25)=75025\n")
        let sha = try await run("bench", ["sha", "1"], limits: limits)
        #expect(String(decoding: sha.stdout, as: UTF8.self) == "fbbab289f7f94b25736c58be46a994c441fd02552cc6022352e3d86d2fab7c83\n")
    }

    @Test func wallClockBoundIsCheckedAtHostCalls() async throws {
        // bigout writes in a loop: every write is a host call that sees the bound already passed.
        let result = try await run("bigout", ["64"], limits: RunLimits(fuel: 10_000_000_000, timeout: .zero))
        #expect(result.status == .timeout)
    }

    @Test func socketsAndSleepingAreRefused() async throws {
        // sock_accept on a descriptor that is not there, and poll_oneoff (sleep): both fail, neither blocks.
        let wat = """
            (module
              (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (if (i32.eqz (call $accept (i32.const 3) (i32.const 0) (i32.const 0))) (then (call $exit (i32.const 1))))
                (if (i32.eqz (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))) (then (call $exit (i32.const 2))))
                (call $exit (i32.const 0))))
            """
        let bytes = try wat2wasm(wat)
        let module = try await executor.module(digest: DigestHasher.digest(of: bytes)) { bytes }
        let result = try await executor.run(module, input: RunInput(), limits: RunLimits(fuel: 1000))
        #expect(result.status == .exit)
        #expect(result.exitCode == 0)
    }

    @Test func trapsAndBadModulesAreReported() async throws {
        let bytes = try wat2wasm(#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#)
        let module = try await executor.module(digest: DigestHasher.digest(of: bytes)) { bytes }
        let result = try await executor.run(module, input: RunInput(), limits: RunLimits(fuel: 1000))
        #expect(result.status == .trap)
        #expect(result.message?.contains("unreachable") == true)

        #expect(throws: WasmError.self) { try WasmModule(parsing: Array("not wasm".utf8)) }
        #expect(throws: WasmError.self) { try WasmModule(parsing: [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]) }

        let missing = try wat2wasm(#"(module (import "env" "nope" (func)) (memory (export "memory") 1) (func (export "_start")))"#)
        let unlinked = try await executor.module(digest: DigestHasher.digest(of: missing)) { missing }
        let refused = try await executor.run(unlinked, input: RunInput(), limits: RunLimits(fuel: 1000))
        #expect(refused.status == .trap)
    }

    @Test func runsBeyondTheThreadsAndTheQueueAreRefused() async throws {
        let executor = WasmExecutor(threads: 1, maxQueued: 0)
        let writer = try await Fixture.module("bigout", executor: executor)
        let hello = try await Fixture.module("hello", executor: executor)
        // Writes without end until its one-second bound: the only thread is taken meanwhile.
        let long = Task {
            try await executor.run(
                writer, input: RunInput(arguments: ["100000"]),
                limits: RunLimits(fuel: .max, timeout: .seconds(1), maxOutputBytes: 0))
        }
        try await Task.sleep(for: .milliseconds(300))
        await #expect(throws: WasmBusy.self) {
            _ = try await executor.run(hello, input: RunInput(), limits: RunLimits(fuel: 1_000_000))
        }
        #expect(try await long.value.status == .timeout)
        let after = try await executor.run(hello, input: RunInput(), limits: RunLimits(fuel: 1_000_000))
        #expect(after.status == .exit)
    }
}
