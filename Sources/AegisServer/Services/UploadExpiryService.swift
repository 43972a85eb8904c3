import AegisRegistry
import Logging
import ServiceLifecycle

/// Removes upload sessions idle past the upload timeout, and upload objects left without a session
/// (a crash between the two steps of a cancel), every `interval`.
struct UploadExpiryService: Service {
    let registry: Registry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await registry.expireUploads()
                    if removed > 0 { logger.info("expired upload sessions", metadata: ["removed": "\(removed)"]) }
                } catch {
                    logger.error("upload expiry failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
