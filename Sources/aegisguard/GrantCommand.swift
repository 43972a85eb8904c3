import AegisAuth
import AegisCore
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard grant set|remove|list`: roles on single repositories or repository paths.
struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant", abstract: "Manage per-repository grants.", subcommands: [Set.self, Remove.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a role on a repository (acme/app) or path (acme/team/*).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name.") var user: String
        @Argument(help: "Repository, or a path ending in /*.") var repository: String
        @Argument(help: "admin, maintainer, developer, reader, runner or auditor.") var role: String

        func run() async throws {
            let grant = try parseGrant(repository, role: try parseRole(role))
            let store = try openMetadata(options)
            try await report { try await store.setGrant(grant.role, of: user, on: grant.pattern, in: grant.tenant) }
            print("\(user) is \(grant.role.rawValue) on \(grant.pattern)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a grant.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name.") var user: String
        @Argument(help: "Repository, or a path ending in /*.") var repository: String

        func run() async throws {
            let grant = try parseGrant(repository, role: .reader)
            let store = try openMetadata(options)
            try await report { try await store.setGrant(nil, of: user, on: grant.pattern, in: grant.tenant) }
            print("removed \(user)'s grant on \(grant.pattern)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's grants.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String

        func run() async throws {
            for grant in try await openMetadata(options).grants(in: try parseTenant(tenant)) {
                print("\(grant.user)\t\(grant.pattern)\t\(grant.role)")
            }
        }
    }
}

private func parseGrant(_ pattern: String, role: Role) throws -> RepositoryGrant {
    guard role != .owner else { throw ValidationError("grants cannot make owners; use `member set`") }
    do { return try RepositoryGrant(pattern: pattern, role: role) } catch let error as RegistryError {
        throw ValidationError(error.message)
    }
}
