import AegisCore
import AegisWasm
import Foundation

/// The committed WebAssembly fixtures (`Fixtures/wasm`, built from C by `Fixtures/wasm/build.sh`).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/wasm")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent("\(name).wasm")))
    }

    static func module(_ name: String, executor: WasmExecutor) async throws -> WasmModule {
        let bytes = try bytes(name)
        return try await executor.module(digest: DigestHasher.digest(of: bytes)) { bytes }
    }
}
