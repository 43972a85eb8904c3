import Foundation
import Tracing

/// Traces of units of work: a span per transaction, and the `traceparent` its events carry to NATS
/// and webhooks. With no tracer bootstrapped (the default) both cost next to nothing.
public enum TransactionTracing {
    /// Runs `operation` in a `aegis.metadata.transaction` span (`db.system` = `system`).
    public static func span<T>(system: String, _ operation: () async throws -> T) async throws -> T {
        try await withSpan("aegis.metadata.transaction", ofKind: .client) { span in
            if span.isRecording { span.attributes["db.system"] = system }
            return try await operation()
        }
    }

    /// The `traceparent` of the current span, nil when nothing is traced.
    public static func currentTraceparent() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"]
    }

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }
}
