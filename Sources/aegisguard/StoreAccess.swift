import AegisAuth
import AegisCore
import AegisServer
import AegisStore
import ArgumentParser
import Foundation

/// Opens the metadata store of the configured data directory (the server may be running: SQLite
/// WAL lets both work on it).
func openMetadata(_ options: ConfigurationOptions) throws -> any MetadataStore {
    try AegisStorage.openMetadata(try options.load())
}

/// The identity service over the configured store, hashing with the configured cost.
func openIdentity(_ options: ConfigurationOptions) throws -> IdentityService {
    let configuration = try options.load()
    return IdentityService(
        store: try openMetadata(options), hasher: PasswordHasher(rounds: configuration.auth.scryptRounds, blockSize: 8, parallelism: 1))
}

func parseTenant(_ name: String) throws -> TenantID {
    do { return try TenantID(name) } catch let error as RegistryError { throw ValidationError(error.message) }
}

func parseRole(_ name: String) throws -> Role {
    guard let role = Role(rawValue: name) else {
        throw ValidationError("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return role
}

/// Turns store and identity errors into a message and exit code 1 instead of a stack of types.
func report(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as StoreError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as AuthError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as RegistryError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode.failure
    }
}

/// A line from standard input without its newline, or a generated password when stdin is a terminal.
func readSecret(fromStandardInput: Bool) -> (password: String, generated: Bool) {
    if fromStandardInput, let line = readLine(strippingNewline: true) { return (line, false) }
    let bytes = (0..<18).map { _ in UInt8.random(in: 0...255) }
    let password = Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "+", with: "_")
    return (password, true)
}

/// An amount argument that may be `none` (for settings that can be removed).
/// - Throws: `ValidationError` naming the argument when it is neither an integer ≥ `minimum` nor `none`.
func parseAmountOrNone(_ text: String, name: String, minimum: Int64) throws -> Int64? {
    if text == "none" { return nil }
    guard let value = Int64(text), value >= minimum else {
        throw ValidationError("\(name) must be an integer of at least \(minimum), or 'none'")
    }
    return value
}
