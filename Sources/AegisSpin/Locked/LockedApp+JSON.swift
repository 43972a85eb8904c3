import AegisCore
import Foundation

extension LockedApp {
    /// Decodes locked application JSON.
    /// - Throws: ``SpinError`` `LOCKED_APP_INVALID`.
    public init(json: some DataProtocol) throws {
        do {
            // Strict first: a member given twice must not mean one thing here and another to Spin.
            try StrictJSON.validate(json)
            self = try JSONDecoder().decode(LockedApp.self, from: Data(json))
        } catch let error as SpinError {
            throw error
        } catch {
            throw SpinError(.lockedAppInvalid, "locked application JSON is invalid: \(error)")
        }
    }

    /// Compact JSON with sorted keys, so that equal apps give equal bytes (and digests).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self))
    }
}
