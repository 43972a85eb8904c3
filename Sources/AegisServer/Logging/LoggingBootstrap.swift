import AegisConfig
import Logging

/// Sets the process's log handler from `log_format` (once per process: `serve` calls it before
/// anything logs). `metadataProvider` adds what the task knows (the trace and span ids).
public func bootstrapLogging(_ configuration: AegisConfiguration, metadataProvider: Logger.MetadataProvider? = nil) {
    let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
    LoggingSystem.bootstrap(
        { label, provider in
            var handler: any LogHandler =
                configuration.logFormat == "json"
                ? JSONLogHandler(label: label, metadataProvider: provider)
                : StreamLogHandler.standardError(label: label, metadataProvider: provider)
            handler.logLevel = level
            return handler
        }, metadataProvider: metadataProvider)
}
