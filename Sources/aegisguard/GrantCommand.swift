import AegisAuth
import AegisCore
import AegisOperations
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
            try await withOperations(options) { operations, caller in
                try await operations.members.grant(grant.role, to: user, on: grant.path, in: grant.tenant, caller)
                print("\(user) is \(grant.role.rawValue) on \(grant.pattern)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a grant.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name.") var user: String
        @Argument(help: "Repository, or a path ending in /*.") var repository: String

        func run() async throws {
            let grant = try parseGrant(repository, role: .reader)
            try await withOperations(options) { operations, caller in
                try await operations.members.revoke(from: user, on: grant.path, in: grant.tenant, caller)
                print("removed \(user)'s grant on \(grant.pattern)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's grants.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                for grant in try await operations.members.grants(in: tenantID, caller) {
                    print("\(grant.user)\t\(tenantID)/\(grant.repository)\t\(grant.role)")
                }
            }
        }
    }
}

extension RepositoryGrant {
    /// The pattern below its tenant (`app`, `team/*`).
    fileprivate var path: String { String(pattern.dropFirst(tenant.value.count + 1)) }
}

private func parseGrant(_ pattern: String, role: Role) throws -> RepositoryGrant {
    guard role != .owner else { throw ValidationError("grants cannot make owners; use `member set`") }
    do { return try RepositoryGrant(pattern: pattern, role: role) } catch let error as RegistryError {
        throw ValidationError(error.message)
    }
}
