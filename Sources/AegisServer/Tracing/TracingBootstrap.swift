import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Turns tracing on for the process when the standard OpenTelemetry variables ask for it
/// (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and not
/// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`): an OTLP/HTTP protobuf exporter behind
/// a batch processor, bootstrapped as the process's tracer (once: `serve` calls it). swift-otel reads
/// `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`),
/// `OTEL_TRACES_SAMPLER_ARG`, `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_BSP_*` itself.
/// - Returns: the exporter's service, to run with the server (its graceful stop is the final
///   flush), or nil when tracing stays off.
public func bootstrapTracing(environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws -> (any Service)? {
    guard tracingRequested(environment) else { return nil }
    var configuration = OTel.Configuration.default
    configuration.serviceName = "aegisguard"
    configuration.diagnosticLogger = .custom(logger)
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.exporter = .otlp
    configuration.traces.otlpExporter.protocol = .httpProtobuf
    let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
    InstrumentationSystem.bootstrap(tracer)
    return service
}

/// Whether this process's environment asks for traces (see `bootstrapTracing`).
public func tracingRequestedByEnvironment() -> Bool {
    tracingRequested(ProcessInfo.processInfo.environment)
}

/// Whether the environment asks for traces.
func tracingRequested(_ environment: [String: String]) -> Bool {
    let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].contains { !(environment[$0] ?? "").isEmpty }
    return endpoint && environment["OTEL_SDK_DISABLED"]?.lowercased() != "true" && environment["OTEL_TRACES_EXPORTER"]?.lowercased() != "none"
}

/// The trace and span ids for log lines, while tracing.
public func tracingLogMetadata() -> Logger.MetadataProvider {
    OTel.makeLoggingMetadataProvider()
}
