import AegisCore
import AegisStore
import Foundation
import Testing

/// Users, memberships, grants, robots, visibility and the audit log.
@Suite struct IdentityConformanceTests {
    private func user(_ name: String, admin: Bool = false) -> UserRecord {
        UserRecord(name: name, passwordHash: "hash-\(name)", isSystemAdmin: admin, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test(arguments: MetadataDriver.all)
    func usersMembershipsAndGrants(driver: MetadataDriver) async throws {
        try await driver.with { store in
            try await store.transaction { tx in
                for name in ["bob", "alice"] { try tx.insertUser(user(name)) }
            }
            await #expect { try await store.transaction { try $0.insertUser(user("bob")) } } throws: { ($0 as? StoreError)?.code == .conflict }
            #expect(try await store.users().map(\.name) == ["alice", "bob"])
            #expect(try await store.userCount() == 2)
            #expect(try await store.user(named: "bob") == user("bob"))
            #expect(try await store.transaction { try $0.setPasswordHash("new", forUser: "bob") })
            #expect(try await store.transaction { try $0.setPasswordHash("new", forUser: "nobody") } == false)
            #expect(try await store.user(named: "bob")?.passwordHash == "new")

            try await store.transaction { tx in
                try tx.setRole(.developer, of: "bob", in: acme)
                try tx.setRole(.reader, of: "alice", in: acme)
                try tx.setRole(.owner, of: "bob", in: globex)
                try tx.setRole(.maintainer, of: "bob", in: acme)  // replaces
                try tx.setGrant(.developer, of: "alice", on: "acme/app", in: acme)
                try tx.setGrant(.reader, of: "alice", on: "acme/team/*", in: acme)
            }
            #expect(try await store.roles(of: "bob") == [acme: .maintainer, globex: .owner])
            #expect(try await store.members(of: acme).map { "\($0.user)=\($0.role)" } == ["alice=reader", "bob=maintainer"])
            #expect(try await store.transaction { try $0.role(of: "alice", in: acme) } == .reader)
            #expect(Set(try await store.grants(of: "alice").map { "\($0.pattern)=\($0.role)" }) == ["acme/app=developer", "acme/team/*=reader"])
            #expect(try await store.grants(in: acme).map(\.pattern) == ["acme/app", "acme/team/*"])
            await #expect { try await store.transaction { try $0.setRole(.reader, of: "nobody", in: acme) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
            await #expect { try await store.transaction { try $0.setGrant(nil, of: "alice", on: "acme/none", in: acme) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
            try await store.transaction { try $0.setRole(nil, of: "alice", in: acme) }
            #expect(try await store.roles(of: "alice").isEmpty)
            // Deleting a user takes their memberships and grants with them.
            #expect(try await store.transaction { try $0.deleteUser(named: "alice") })
            #expect(try await store.grants(in: acme).isEmpty)
            #expect(try await store.transaction { try $0.deleteUser(named: "alice") } == false)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func robotsAreUniquePerTenantAndRevokedOnce(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let created = Date(timeIntervalSince1970: 1_700_000_000)
            let robot = RobotRecord(tenant: acme, name: "ci", role: .developer, keyHash: "h", createdAt: created, expiresAt: created + 86400)
            try await store.transaction { tx in
                try tx.insertRobot(robot)
                try tx.insertRobot(RobotRecord(tenant: globex, name: "ci", role: .reader, keyHash: "g", createdAt: created, expiresAt: nil))
            }
            await #expect { try await store.transaction { try $0.insertRobot(robot) } } throws: { ($0 as? StoreError)?.code == .conflict }
            #expect(try await store.robot("ci", in: acme) == robot)
            #expect(try await store.robots(in: globex).map(\.role) == [.reader])
            #expect(try await store.transaction { try $0.revokeRobot("ci", in: acme) })
            #expect(try await store.transaction { try $0.revokeRobot("ci", in: acme) } == false)
            #expect(try await store.robot("ci", in: acme)?.revokedAt != nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aCertificateIdentityHasOneActiveRobot(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let created = Date(timeIntervalSince1970: 1_700_000_000)
            let spiffe = "spiffe://example.org/ci"
            @Sendable func robot(_ name: String, in tenant: TenantID) -> RobotRecord {
                RobotRecord(
                    tenant: tenant, name: name, role: .developer, keyHash: name, createdAt: created, expiresAt: nil,
                    certificateIdentity: spiffe)
            }
            #expect(try await store.robot(certificateIdentity: spiffe) == nil)
            try await store.transaction { try $0.insertRobot(robot("ci", in: acme)) }
            #expect(try await store.robot(certificateIdentity: spiffe)?.name == "ci")
            // Another tenant's robot cannot claim the same identity while the first is active.
            await #expect { try await store.transaction { try $0.insertRobot(robot("ci", in: globex)) } } throws: {
                ($0 as? StoreError)?.code == .conflict
            }
            // Revoked, the identity still finds the robot (to refuse it), until a new one takes it.
            #expect(try await store.transaction { try $0.revokeRobot("ci", in: acme) })
            #expect(try await store.robot(certificateIdentity: spiffe)?.revokedAt != nil)
            try await store.transaction { try $0.insertRobot(robot("ci2", in: globex)) }
            let active = try await store.robot(certificateIdentity: spiffe)
            #expect(active?.name == "ci2" && active?.revokedAt == nil && active?.tenant == globex)
            #expect(try await store.robot(certificateIdentity: "CN=ci") == nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func visibilityAndTheAuditLog(driver: MetadataDriver) async throws {
        try await driver.with { store in
            let name = try RepositoryName("acme/public")
            _ = try await store.repository(named: name.value)
            #expect(try await store.isPublic(name) == false)
            try await store.transaction { try $0.setPublic(true, repository: name) }
            #expect(try await store.isPublic(name))
            await #expect { try await store.transaction { try $0.setPublic(true, repository: RepositoryName("acme/none")) } } throws: {
                ($0 as? StoreError)?.code == .notFound
            }
            let old = Date().addingTimeInterval(-100 * 86400)
            try await store.appendAudit([
                AuditRecord(
                    time: old, requestID: "r1", principal: "user:a", tenant: "acme", action: "pull", resource: "repository:acme/x",
                    allowed: true, reason: "ok"),
                AuditRecord(
                    time: Date(), requestID: "r2", principal: "user:b", tenant: "globex", action: "push", resource: "repository:globex/y",
                    allowed: false, reason: "no"),
                AuditRecord(
                    time: Date(), requestID: "r3", principal: "user:a", tenant: "acme", action: "delete", resource: "repository:acme/x",
                    allowed: false, reason: "no"),
            ])
            let acmeRecords = try await store.audit(tenant: "acme", before: nil, limit: 10)
            #expect(acmeRecords.map(\.requestID) == ["r3", "r1"])
            #expect(try await store.audit(tenant: nil, before: nil, limit: 2).map(\.requestID) == ["r3", "r2"])
            #expect(try await store.audit(tenant: "acme", before: acmeRecords[0].id, limit: 10).map(\.requestID) == ["r1"])
            #expect(try await store.pruneAudit(olderThan: Date().addingTimeInterval(-90 * 86400)) == 1)
            #expect(try await store.audit(tenant: "acme", before: nil, limit: 10).map(\.requestID) == ["r3"])
        }
    }
}
