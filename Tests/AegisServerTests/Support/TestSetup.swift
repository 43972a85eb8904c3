import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import Foundation

/// Setting up test data through the operations, as the local operator (audited and evented like the CLI).
extension Operations {
    func createUser(name: String, password: String, systemAdmin: Bool = false) async throws {
        try await users.create(name, password: password, systemAdmin: systemAdmin, Caller.localOperator())
    }

    func createRobot(_ name: String, in tenant: TenantID, role: Role) async throws -> String {
        try await robots.create(name, in: tenant, role: role, expiresInDays: nil, Caller.localOperator()).key
    }
}

/// Direct changes for test setup that needs no event (the operations' tests cover those).
extension MetadataStore {
    func createTenant(_ tenant: TenantID) async throws -> TenantRecord { try await transaction { try $0.insertTenant(tenant) } }
    func setRole(_ role: Role?, of user: String, in tenant: TenantID) async throws {
        try await transaction { try $0.setRole(role, of: user, in: tenant) }
    }
    func setGasBudget(_ budget: UInt64?, of tenant: TenantID) async throws { try await transaction { try $0.setGasBudget(budget, of: tenant) } }
    func setMaxGasPrice(_ price: UInt64?, of tenant: TenantID) async throws { try await transaction { try $0.setMaxGasPrice(price, of: tenant) } }
    func setStorageQuota(_ bytes: Int64?, of tenant: TenantID) async throws { try await transaction { try $0.setStorageQuota(bytes, of: tenant) } }
    func revokeRobot(_ name: String, in tenant: TenantID) async throws -> Bool { try await transaction { try $0.revokeRobot(name, in: tenant) } }
    func setPublic(_ isPublic: Bool, repository: RepositoryName) async throws {
        try await transaction { tx in
            if try tx.repository(repository) == nil { _ = try tx.insertRepository(repository) }
            try tx.setPublic(isPublic, repository: repository)
        }
    }
}
