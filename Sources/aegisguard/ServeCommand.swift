import AegisConfig
import AegisServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `aegisguard serve`: run the registry until SIGINT or SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the registry server.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000, or AEGIS_LISTEN).")
    var listen: String?

    func run() async throws {
        var configuration = try options.load()
        if let listen {
            do { try configuration.setListen(listen) } catch let error as ConfigurationError { throw ValidationError(error.description) }
        }
        do { try configuration.validateForServing() } catch let error as ConfigurationError { throw ValidationError(error.description) }
        let tracingRequested = tracingRequestedByEnvironment()
        bootstrapLogging(configuration, metadataProvider: tracingRequested ? tracingLogMetadata() : nil)
        let tracing = try bootstrapTracing(logger: Logger(label: "aegis.otel"))
        let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL.path
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let configuredPort = configuration.port
        let passwordFile = URL(fileURLWithPath: configuration.initialPasswordPath).standardizedFileURL.path
        let scheme = configuration.scheme
        let tls = configuration.tls
        let protocols =
            !tls.isEnabled
            ? ""
            : " (TLS 1.2+, \(tls.http2 ? "HTTP/2 and HTTP/1.1" : "HTTP/1.1")\(tls.clientCAFile == nil ? "" : tls.requireClientCertificate ? ", client certificate required" : ", client certificates accepted"))"
        let app = try await buildApplication(configuration, services: tracing.map { [$0] } ?? []) { address in
            var banner = """
                AegisGuard listening on \(scheme)://\(host):\(address?.port ?? configuredPort)\(protocols)
                  data directory: \(dataDirectory)
                  create a tenant: aegisguard tenant create <name> --data-dir \(dataDirectory)

                """
            if FileManager.default.fileExists(atPath: passwordFile) {
                banner += "  administrator: admin, password in \(passwordFile) (`aegisguard user passwd admin` replaces it and deletes the file)\n"
            }
            // Unbuffered, so scripts waiting for the banner see it at once.
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
        try await runUntilStopped(app, grace: .seconds(configuration.shutdownGraceSeconds), logger: app.logger)
    }
}
