import AegisConfig
import AegisServer
import ArgumentParser
import Foundation

/// Options every command shares, so `tenant …` works on exactly the store `serve` uses.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String?

    @Option(name: .long, help: "Data directory (default ./aegis-data, or AEGIS_DATA_DIR).")
    var dataDir: String?

    /// Defaults ← file ← environment ← flags.
    func load() throws -> AegisConfiguration {
        do {
            var configuration = try AegisConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
            if let dataDir { configuration.dataDirectory = dataDir }
            return configuration
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
