import AegisAuth
import AegisClient
import ArgumentParser
import Foundation

/// `aegisguard login URL -u USER [--password-stdin]` and `aegisguard logout URL`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in to a registry; keeps a refresh token in ~/.config/aegisguard/credentials.json (0600).")

    @Argument(help: "Registry URL.") var registry = "http://127.0.0.1:5000"
    @Option(name: .shortAndLong, help: "User name (robots: robot$<tenant>+<name>).") var username: String
    @Flag(help: "Read the password (or OIDC access token) from standard input.") var passwordStdin = false

    func run() async throws {
        let password: String
        if passwordStdin {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            password = line
        } else {
            guard let typed = getpass("Password: ").map({ String(cString: $0) }) else { throw ValidationError("no password") }
            password = typed
        }
        let login = RegistryLogin()
        do {
            try await login.login(registry: registry, username: username, password: password)
        } catch let error as AuthError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
        print("Login Succeeded (credentials in \(login.credentialsPath))")
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget a registry's stored login.")

    @Argument(help: "Registry URL.") var registry = "http://127.0.0.1:5000"

    func run() async throws {
        print(try RegistryLogin().logout(registry: registry) ? "logged out of \(registry)" : "not logged in to \(registry)")
    }
}
