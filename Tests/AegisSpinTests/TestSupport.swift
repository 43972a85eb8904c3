import AegisSpin
import Foundation
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The bytes of a file under the repository root.
func repositoryFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: repositoryRoot.appending(path: path)))
}

/// Expects `body` to throw a ``SpinError`` with the given code.
func expectSpinError(
    _ code: SpinError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: SpinError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == code, "\(error?.message ?? "")", sourceLocation: sourceLocation)
}

extension String {
    /// UTF-8 bytes.
    var bytes: [UInt8] { Array(utf8) }
}
