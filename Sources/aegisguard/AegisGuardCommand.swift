import AegisServer
import ArgumentParser

/// `aegisguard`: the one binary. Each subcommand parses its arguments and calls into `AegisServer`.
@main
struct AegisGuardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegisguard",
        abstract: "A multi-tenant, zero-trust OCI artifact registry.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, TenantCommand.self, UserCommand.self, MemberCommand.self, RobotCommand.self, GrantCommand.self,
            RepoCommand.self, BillingCommand.self, CarbonCommand.self, QuotaCommand.self, LoginCommand.self, LogoutCommand.self, RunCommand.self,
            SandboxCommand.self,
            AppCommand.self, GCCommand.self, FsckCommand.self, BackupCommand.self, RestoreCommand.self,
            RetentionCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
