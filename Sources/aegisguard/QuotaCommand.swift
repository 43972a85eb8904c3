import AegisCore
import AegisOperations
import AegisStore
import ArgumentParser
import Foundation

/// `aegisguard quota set|verify`: storage quotas and the proof that the running count is exact.
struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota", abstract: "Storage quotas per tenant.", subcommands: [Set.self, Verify.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a tenant's storage quota in bytes ('none' removes it).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Tenant.") var tenant: String
        @Argument(help: "Bytes, or 'none'.") var bytes: String

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            let quota = try parseAmountOrNone(bytes, name: "bytes", minimum: 0)
            try await withOperations(options) { operations, caller in
                try await operations.storage.setQuota(quota, of: tenantID, caller)
                print(quota.map { "\(tenantID): storage quota \($0) bytes" } ?? "\(tenantID): no storage quota")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recount every tenant's storage from the blob links and compare with the running count (exit 1 on a difference).")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            var differences = 0
            for row in try await openMetadata(options).recountStorage() {
                let verdict = row.counted == row.recounted ? "ok" : "MISMATCH"
                if row.counted != row.recounted { differences += 1 }
                print("\(row.tenant)\tcounted \(row.counted)\trecounted \(row.recounted)\t\(verdict)")
            }
            if differences > 0 { throw ExitCode.failure }
        }
    }
}
