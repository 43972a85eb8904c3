import Foundation

/// The record of every WASM run (API, CLI and WAGI requests alike).
public struct RunRecord: Sendable, Hashable {
    public var id: Int64?
    public var time: Date
    public var tenant: String
    public var principal: String
    public var requestID: String
    public var repository: String
    public var digest: String
    /// The Spin component run, for apps.
    public var component: String?
    /// `api` or `wagi`.
    public var trigger: String
    public var status: String
    public var exitCode: Int32?
    public var gasUsed: UInt64
    public var fuelUsed: UInt64
    public var durationMs: Double

    public init(
        time: Date, tenant: String, principal: String, requestID: String, repository: String, digest: String, component: String?,
        trigger: String, status: String, exitCode: Int32?, gasUsed: UInt64, fuelUsed: UInt64, durationMs: Double
    ) {
        self.time = time
        self.tenant = tenant
        self.principal = principal
        self.requestID = requestID
        self.repository = repository
        self.digest = digest
        self.component = component
        self.trigger = trigger
        self.status = status
        self.exitCode = exitCode
        self.gasUsed = gasUsed
        self.fuelUsed = fuelUsed
        self.durationMs = durationMs
    }
}

/// A Spin app pinned to an artifact digest, served at `/apps/<tenant>/<name>/…`.
public struct AppRecord: Sendable, Hashable {
    public var tenant: String
    public var name: String
    public var repository: String
    public var digest: String
    /// Whether anonymous callers may use it (its tenant pays).
    public var isPublic: Bool
    public var deployedBy: String
    public var deployedAt: Date

    public init(tenant: String, name: String, repository: String, digest: String, isPublic: Bool, deployedBy: String, deployedAt: Date) {
        self.tenant = tenant
        self.name = name
        self.repository = repository
        self.digest = digest
        self.isPublic = isPublic
        self.deployedBy = deployedBy
        self.deployedAt = deployedAt
    }
}
