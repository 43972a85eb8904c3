import AegisAuth
import AegisCore
import AegisOperations
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard robot create|list|revoke`.
struct RobotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot", abstract: "Manage robot accounts (API keys).", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a robot and print its API key (shown once).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "Robot name: 1-64 of [a-z0-9._-].") var name: String
        @Option(help: "Role in the tenant.") var role = "developer"
        @Option(help: "Days until the key expires (none when omitted).") var expiresDays: Int?
        @Option(
            help: "Client-certificate identity that also authenticates as the robot over mutual TLS: spiffe://… or a subject DN (CN=ci,O=Acme).")
        var certificateIdentity: String?

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            let role = try parseRole(role)
            try await withOperations(options) { operations, caller in
                let (_, key) = try await operations.robots.create(
                    name, in: tenantID, role: role, expiresInDays: expiresDays, certificateIdentity: certificateIdentity, caller)
                print("user name: \(RobotName(tenant: tenantID, name: name))")
                print("API key (shown once): \(key)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's robots.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                for robot in try await operations.robots.list(in: tenantID, caller) {
                    let state = robot.revokedAt != nil ? "revoked" : robot.expiresAt.map { "expires \($0.ISO8601Format())" } ?? "active"
                    let certificate = robot.certificateIdentity.map { "\tcertificate \($0)" } ?? ""
                    print("\(RobotName(tenant: robot.tenant, name: robot.name))\t\(robot.role)\t\(state)\(certificate)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a robot's key.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "Robot name.") var name: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                try await operations.robots.revoke(name, in: tenantID, caller)
                print("revoked robot \(name); running servers stop accepting its key within a second")
            }
        }
    }
}

/// `aegisguard repo public NAME true|false`.
struct RepoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repo", abstract: "Manage repositories.", subcommands: [Public.self])

    struct Public: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow (true) or stop (false) anonymous pulls of a repository.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Repository, <tenant>/<path>.") var repository: String
        @Argument(help: "true or false.") var isPublic: Bool

        func run() async throws {
            let name: RepositoryName
            do { name = try RepositoryName(repository) } catch let error as RegistryError { throw ValidationError(error.message) }
            try await withOperations(options) { operations, caller in
                let path = String(name.value.dropFirst(name.tenant.value.count + 1))
                _ = try await operations.tenants.setVisibility(path, in: name.tenant, public: isPublic, caller)
                print("\(name) is now \(isPublic ? "public" : "private")")
            }
        }
    }
}
