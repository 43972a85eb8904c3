import AegisAuth
import AegisCore
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

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            let role = try parseRole(role)
            let expiry = expiresDays.map { Date().addingTimeInterval(Double($0) * 86400) }
            let identity = try openIdentity(options)
            var key = ""
            try await report { key = try await identity.createRobot(name, in: tenantID, role: role, expiresAt: expiry) }
            print("user name: \(RobotName(tenant: tenantID, name: name))")
            print("API key (shown once): \(key)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's robots.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String

        func run() async throws {
            for robot in try await openMetadata(options).robots(in: try parseTenant(tenant)) {
                let state = robot.revokedAt != nil ? "revoked" : robot.expiresAt.map { "expires \($0.ISO8601Format())" } ?? "active"
                print("\(RobotName(tenant: robot.tenant, name: robot.name))\t\(robot.role)\t\(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a robot's key.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "Robot name.") var name: String

        func run() async throws {
            guard try await openMetadata(options).revokeRobot(name, in: try parseTenant(tenant), at: Date()) else {
                throw ValidationError("no active robot '\(name)' in tenant '\(tenant)'")
            }
            print("revoked robot \(name); servers stop accepting its key within the credential cache time")
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
            let store = try openMetadata(options)
            try await report { try await store.setPublic(isPublic, repository: name) }
            print("\(name) is now \(isPublic ? "public" : "private")")
        }
    }
}
