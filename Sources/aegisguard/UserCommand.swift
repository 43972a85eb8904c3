import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard user create|list|delete|passwd`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage local users.", subcommands: [Create.self, List.self, Delete.self, Passwd.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; prints a generated password unless --password-stdin.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name: 1-64 of [a-z0-9._-].") var name: String
        @Flag(help: "Make the user a system administrator.") var admin = false
        @Flag(help: "Read the password (at least 12 characters) from standard input.") var passwordStdin = false

        func run() async throws {
            let (password, generated) = readSecret(fromStandardInput: passwordStdin)
            try await withOperations(options) { operations, caller in
                try await operations.users.create(name, password: password, systemAdmin: admin, caller)
                print(generated ? "created user \(name) with password \(password)" : "created user \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their tenant roles.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await withOperations(options) { operations, caller in
                for (user, roles) in try await operations.users.list(caller) {
                    let roles = roles.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    print([user.name, user.isSystemAdmin ? "system-admin" : "-", roles.joined(separator: ",")].joined(separator: "\t"))
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's password; prints a generated one unless --password-stdin.",
            discussion: "Setting the administrator's password deletes the initial-admin-password file of the first start.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name.") var name: String
        @Flag(help: "Read the password (at least 12 characters) from standard input.") var passwordStdin = false

        func run() async throws {
            let (password, generated) = readSecret(fromStandardInput: passwordStdin)
            let passwordFile = try options.load().initialPasswordPath
            try await withOperations(options) { operations, caller in
                try await operations.users.setPassword(name, password: password, caller)
                print(generated ? "set the password of \(name) to \(password)" : "set the password of \(name)")
            }
            if name == "admin", FileManager.default.fileExists(atPath: passwordFile) {
                try FileManager.default.removeItem(atPath: passwordFile)
                print("deleted \(passwordFile): the generated password no longer works")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user and its memberships.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            try await withOperations(options) { operations, caller in
                try await operations.users.delete(name, caller)
                print("deleted user \(name)")
            }
        }
    }
}

/// `aegisguard member set|remove|list`.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Manage tenant memberships.", subcommands: [Set.self, Remove.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a role in a tenant (replacing any previous role).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "User name.") var user: String
        @Argument(help: "owner, admin, maintainer, developer, reader, runner or auditor.") var role: String

        func run() async throws {
            let (tenantID, role) = (try parseTenant(tenant), try parseRole(role))
            try await withOperations(options) { operations, caller in
                try await operations.members.set(user, role: role, in: tenantID, caller)
                print("\(user) is \(role.rawValue) in \(tenantID)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user from a tenant.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "User name.") var user: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                try await operations.members.remove(user, from: tenantID, caller)
                print("\(user) is no longer a member of \(tenantID)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's members.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                for member in try await operations.members.list(in: tenantID, caller) { print("\(member.user)\t\(member.role)") }
            }
        }
    }
}
