import AegisCore
import Foundation

/// WASM runs and the Spin apps deployed from the registry.
public protocol WasmStore: Sendable {
    /// The tenant's runs, newest first, with ids below `before`, at most `limit`.
    func runs(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [RunRecord]
    /// One app, if deployed.
    func app(_ name: String, of tenant: TenantID) async throws -> AppRecord?
    /// The tenant's apps, by name.
    func apps(of tenant: TenantID) async throws -> [AppRecord]
}
