import AegisRegistry
import Foundation
import Logging
import Synchronization

/// Removes upload sessions idle past the upload timeout and upload objects left without a session;
/// at most every `orphanGrace`, blob bytes no metadata refers to that are older than `orphanGrace`.
public final class UploadExpiry: Sendable {
    let registry: Registry
    let orphanGrace: TimeInterval
    let logger: Logger
    private let lastOrphanSweep: Mutex<Date>

    public init(registry: Registry, orphanGrace: TimeInterval, logger: Logger, startedAt: Date = Date()) {
        self.registry = registry
        self.orphanGrace = orphanGrace
        self.logger = logger
        self.lastOrphanSweep = Mutex(startedAt)
    }

    public func sweep(now: Date = Date()) async {
        do {
            let removed = try await registry.expireUploads(now: now)
            if removed > 0 { logger.info("expired upload sessions", metadata: ["removed": "\(removed)"]) }
            let due = lastOrphanSweep.withLock { last in
                guard now.timeIntervalSince(last) >= orphanGrace else { return false }
                last = now
                return true
            }
            if due {
                let orphans = try await registry.sweepOrphanBlobs(now: now, grace: orphanGrace)
                if orphans > 0 { logger.notice("removed orphan blobs", metadata: ["removed": "\(orphans)"]) }
            }
        } catch is CancellationError {
            return
        } catch {
            logger.error("upload expiry failed", metadata: ["error": "\(error)"])
        }
    }
}
