import AegisRegistry
import Logging
import ServiceLifecycle

/// Removes upload sessions idle past the upload timeout, and upload objects left without a session
/// (a crash between the two steps of a cancel), every `interval`; and every `orphanGrace`, blob
/// bytes that no metadata refers to and that are older than `orphanGrace`.
struct UploadExpiryService: Service {
    let registry: Registry
    let interval: Duration
    let orphanGrace: Duration
    let logger: Logger

    func run() async throws {
        // Stopping is not a failure: the sleep's cancellation ends the loop, not the service group.
        try? await cancelWhenGracefulShutdown {
            var lastOrphanSweep = ContinuousClock.now
            while !Task.isCancelled {
                do {
                    let removed = try await registry.expireUploads()
                    if removed > 0 { logger.info("expired upload sessions", metadata: ["removed": "\(removed)"]) }
                    if ContinuousClock.now - lastOrphanSweep >= orphanGrace {
                        lastOrphanSweep = ContinuousClock.now
                        let grace = Double(orphanGrace.components.seconds)
                        let orphans = try await registry.sweepOrphanBlobs(grace: grace)
                        if orphans > 0 { logger.notice("removed orphan blobs", metadata: ["removed": "\(orphans)"]) }
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("upload expiry failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
