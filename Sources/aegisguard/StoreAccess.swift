import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisRegistry
import AegisServer
import AegisStore
import ArgumentParser
import Foundation
import Logging

/// Opens the metadata store of the configured data directory (the server may be running: SQLite
/// WAL lets both work on it).
func openMetadata(_ options: ConfigurationOptions) async throws -> any MetadataStore {
    try await AegisStorage.openMetadata(try options.load())
}

/// Runs a management command through the same operations as `/api/v1`, as the local operator:
/// the same rules, the same events, the same audit records (written before the command ends). A
/// running server sees the change through its change feed of the outbox.
func withOperations(_ options: ConfigurationOptions, _ body: (Operations, Caller) async throws -> Void) async throws {
    let configuration = try options.load()
    var logger = Logger(label: "aegisguard")
    logger.logLevel = .error
    let storage = try await AegisStorage.open(configuration)
    let operations = try buildOperations(configuration, storage: storage, logger: logger)
    defer { try? storage.metadata.close() }
    do {
        try await report { try await body(operations, Caller.localOperator()) }
    } catch {
        try? await storage.metadata.appendAudit(operations.authorization.audit.drain())
        throw error
    }
    try await storage.metadata.appendAudit(operations.authorization.audit.drain())
}

/// Runs a maintenance command (`gc`, `fsck`) over the data directory's registry: the stores
/// opened, quiet logs. Any failure to open or to finish is "could not run": a message and exit 2.
func withMaintenanceRegistry<T>(
    _ configuration: AegisConfiguration, what: String, progress: TerminalProgress, _ body: (Registry) async throws -> T
) async throws -> T {
    var logger = Logger(label: "aegisguard")
    logger.logLevel = .error
    do {
        let storage = try await AegisStorage.open(configuration)
        defer { try? storage.metadata.close() }
        let result = try await body(Registry(metadata: storage.metadata, blobs: storage.blobs, limits: configuration.limits, logger: logger))
        progress.end()
        return result
    } catch {
        progress.end()
        FileHandle.standardError.write(Data("error: \(what) could not run: \(error)\n".utf8))
        throw ExitCode(2)
    }
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
    } catch let error as OperationError {
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
