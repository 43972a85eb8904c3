import AegisCore
import AegisOperations
import AegisRegistry
import ArgumentParser
import Foundation

/// `aegisguard retention set|plan|apply`: a tenant's retention rules (see docs/OPERATIONS.md).
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "A tenant's retention rules: set them, see what they would delete, apply them.",
        subcommands: [Set.self, Plan.self, Apply.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a tenant's rules from a JSON file ({\"rules\":[…]}, as the API takes).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "The JSON file ('-' for standard input).") var file: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            let policy: RetentionPolicy
            do { policy = try JSONDecoder().decode(RetentionPolicy.self, from: data) } catch {
                throw ValidationError("\(file): not a retention policy: \(error)")
            }
            try await withOperations(options) { operations, caller in
                let set = try await operations.retention.setPolicy(policy, of: tenantID, caller)
                print("\(tenantID): \(set.rules.count) retention rules")
            }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the rules would delete now (a dry run: nothing is written).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Flag(help: "Print the plan as one JSON object.") var json = false

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                print(render(try await operations.retention.plan(for: tenantID, caller), json: json, verb: "would delete"))
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the rules now; garbage collection frees the bytes afterwards.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Flag(help: "Print what was deleted as one JSON object.") var json = false

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            try await withOperations(options) { operations, caller in
                print(render(try await operations.retention.apply(to: tenantID, caller), json: json, verb: "deleted"))
            }
        }
    }
}

private func render(_ plan: RetentionPlan, json: Bool, verb: String) -> String {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(plan)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
    var lines = plan.tags.map { "tag\t\($0.repository):\($0.tag)\t\($0.digest)" }
    lines += plan.manifests.map { "manifest\t\($0.repository)@\($0.digest)\t\($0.size) bytes" }
    lines += plan.immutable.map { "kept (immutable)\t\($0.repository):\($0.tag)" }
    lines.append(
        "retention: \(verb) \(plan.tags.count) tags and \(plan.manifests.count) untagged manifests; \(plan.immutable.count) immutable tags kept")
    return lines.joined(separator: "\n")
}
