import AegisAuth
import AegisCore
import AegisStore
import Foundation

/// Robot accounts: API keys for machines, with one role in one tenant.
public struct RobotOperations: Sendable {
    let store: any MetadataStore
    let identity: IdentityService
    let authorization: Authorization

    public func list(in tenant: TenantID, _ caller: Caller) async throws -> [RobotRecord] {
        try await authorization.require(.manageRobots, in: tenant, caller)
        return try await store.robots(in: tenant)
    }

    /// Creates a robot; the returned key is shown once and not stored.
    /// - Parameters:
    ///   - expiresInDays: 1…3650, or nil for no expiry.
    ///   - certificateIdentity: the client-certificate identity that also authenticates as the robot
    ///     over mutual TLS: a SPIFFE ID or a subject DN (see `ClientCertificate.normalizedIdentity`).
    public func create(
        _ name: String, in tenant: TenantID, role: Role, expiresInDays: Int?, certificateIdentity: String? = nil, _ caller: Caller
    ) async throws -> (robot: RobotRecord, key: String) {
        try await authorization.require(.manageRobots, in: tenant, caller)
        guard role != .owner else { throw OperationError.invalid("a robot's role is one of admin, maintainer, developer, reader, runner, auditor") }
        if let days = expiresInDays, !(1...3650).contains(days) { throw OperationError.invalid("expiresInDays must be between 1 and 3650") }
        var identity: String?
        if let certificateIdentity {
            guard let normalized = ClientCertificate.normalizedIdentity(certificateIdentity) else {
                throw OperationError.invalid(
                    "certificateIdentity must be a SPIFFE ID (spiffe://trust-domain/path) or a subject DN such as CN=ci,O=Acme")
            }
            identity = normalized
        }
        return try await OperationError.translating {
            let (key, hash) = try IdentityService.newRobotKey(name: name)
            let now = Date()
            let robot = RobotRecord(
                tenant: tenant, name: name, role: role, keyHash: hash, createdAt: now,
                expiresAt: expiresInDays.map { now.addingTimeInterval(Double($0) * 86400) }, certificateIdentity: identity)
            var payload: [String: JSONScalar] = ["role": .string(role.rawValue)]
            if let identity { payload["certificateIdentity"] = .string(identity) }
            try await store.transaction { [payload] tx in
                try tx.insertRobot(robot)
                try tx.append(
                    OutboxEvent(
                        tenant: tenant, type: .robotCreated, subject: RobotName(tenant: tenant, name: name).description, payload: payload,
                        time: tx.now))
            }
            return (robot, key)
        }
    }

    /// Revokes a robot's key. - Throws: `not_found` when no active robot has that name.
    public func revoke(_ name: String, in tenant: TenantID, _ caller: Caller) async throws {
        try await authorization.require(.manageRobots, in: tenant, caller)
        try await OperationError.translating {
            try await store.transaction { tx in
                guard try tx.revokeRobot(name, in: tenant) else { throw StoreError(.notFound, "no active robot '\(name)' in '\(tenant)'") }
                try tx.append(
                    OutboxEvent(tenant: tenant, type: .robotRevoked, subject: RobotName(tenant: tenant, name: name).description, time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }
}
