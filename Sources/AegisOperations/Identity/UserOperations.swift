import AegisAuth
import AegisCore
import AegisStore
import Crypto
import Foundation

/// Local users (system administrators manage them).
public struct UserOperations: Sendable {
    let store: any MetadataStore
    let identity: IdentityService
    let authorization: Authorization

    /// Every user with their roles.
    public func list(_ caller: Caller) async throws -> [(user: UserRecord, roles: [TenantID: Role])] {
        try authorization.requireSystemAdmin(caller, action: "listUsers")
        var users: [(user: UserRecord, roles: [TenantID: Role])] = []
        for user in try await store.users() { users.append((user, try await store.roles(of: user.name))) }
        return users
    }

    /// Creates a user. - Throws: `invalid_request` (name, password of under 12 characters), `conflict`.
    @discardableResult
    public func create(_ name: String, password: String, systemAdmin: Bool, _ caller: Caller) async throws -> UserRecord {
        try authorization.requireSystemAdmin(caller, action: "createUser")
        return try await insert(name, password: password, systemAdmin: systemAdmin)
    }

    private func insert(_ name: String, password: String, systemAdmin: Bool) async throws -> UserRecord {
        try await OperationError.translating {
            let hash = try await identity.newUserCredentials(name: name, password: password)
            let user = UserRecord(name: name, passwordHash: hash, isSystemAdmin: systemAdmin, createdAt: Date())
            try await store.transaction { tx in
                try tx.insertUser(user)
                try tx.append(
                    OutboxEvent(tenant: nil, type: .userCreated, subject: "user:\(name)", payload: ["systemAdmin": .bool(systemAdmin)], time: tx.now))
            }
            return user
        }
    }

    /// Replaces a user's password. - Throws: `invalid_request`, `not_found`.
    public func setPassword(_ name: String, password: String, _ caller: Caller) async throws {
        try authorization.requireSystemAdmin(caller, action: "setPassword")
        try await OperationError.translating {
            let hash = try await identity.newUserCredentials(name: name, password: password)
            try await store.transaction { tx in
                guard try tx.setPasswordHash(hash, forUser: name) else { throw StoreError(.notFound, "user '\(name)' does not exist") }
                try tx.append(OutboxEvent(tenant: nil, type: .userPasswordChanged, subject: "user:\(name)", time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// Deletes a user with their memberships and grants. - Throws: `conflict` for oneself, `not_found`.
    public func delete(_ name: String, _ caller: Caller) async throws {
        try authorization.requireSystemAdmin(caller, action: "deleteUser")
        guard caller.principal.kind != .user || name != caller.principal.name else { throw OperationError.conflict("you cannot delete yourself") }
        try await OperationError.translating {
            try await store.transaction { tx in
                guard try tx.deleteUser(named: name) else { throw StoreError(.notFound, "user '\(name)' does not exist") }
                try tx.append(OutboxEvent(tenant: nil, type: .userDeleted, subject: "user:\(name)", time: tx.now))
            }
        }
        identity.forgetCachedCredentials()
    }

    /// Creates the system administrator `admin` with a random password when no user exists yet,
    /// writing the password to `passwordFile` with mode 0600. - Returns: whether it was created.
    public func bootstrapAdministrator(passwordFile: String) async throws -> Bool {
        guard try await store.userCount() == 0 else { return false }
        let password = SymmetricKey(size: .bits192).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        _ = try await insert("admin", password: password, systemAdmin: true)
        guard FileManager.default.createFile(atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw OperationError(.conflict, "cannot write \(passwordFile)")
        }
        return true
    }
}
