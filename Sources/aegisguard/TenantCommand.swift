import AegisCore
import AegisOperations
import AegisServer
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard tenant create|list|delete` (the server may run or not).
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant name: the first component of its repository names.") var name: String

        func run() async throws {
            try await withOperations(options) { operations, caller in
                let tenant = try await operations.tenants.create(name, caller)
                print("created tenant \(tenant.name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await withOperations(options) { operations, caller in
                for tenant in try await operations.tenants.list(caller) {
                    print("\(tenant.name)\t\(tenant.createdAt.ISO8601Format())")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tenant that has no repositories.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant name.") var name: String

        func run() async throws {
            let tenant = try parseTenant(name)
            try await withOperations(options) { operations, caller in
                try await operations.tenants.delete(tenant, caller)
                print("deleted tenant \(tenant)")
            }
        }
    }
}
