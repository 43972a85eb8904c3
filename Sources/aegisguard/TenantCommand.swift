import AegisCore
import AegisServer
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard tenant create|list|delete`, working on the store directly (the server may run or not).
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant name: the first component of its repository names.") var name: String

        func run() async throws {
            let store = try openMetadata(options)
            let tenant = try parseTenant(name)
            try await report { _ = try await store.createTenant(tenant) }
            print("created tenant \(tenant)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let store = try openMetadata(options)
            for tenant in try await store.tenants() {
                print("\(tenant.name)\t\(tenant.createdAt.ISO8601Format())")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tenant that has no repositories.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant name.") var name: String

        func run() async throws {
            let store = try openMetadata(options)
            let tenant = try parseTenant(name)
            try await report { try await store.deleteTenant(tenant) }
            print("deleted tenant \(tenant)")
        }
    }
}
