import AsyncAlgorithms
import NIOCore
import Synchronization

/// Hands a request body's chunks, one at a time, from the task reading them to the S3 request
/// streaming them out (`AsyncThrowingChannel`: a send waits for the chunk to be taken, so at most
/// one chunk is in flight).
final class BodyChannel: Sendable {
    private let channel = AsyncThrowingChannel<ByteBuffer, any Error>()
    private let failed = Mutex(false)

    /// What the S3 request reads.
    var stream: AsyncThrowingChannel<ByteBuffer, any Error> { channel }

    /// Sends a chunk. - Returns: false once the stream failed (the reader should stop).
    func send(_ chunk: ByteBuffer) async throws -> Bool {
        guard !failed.withLock({ $0 }) else { return false }
        await channel.send(chunk)
        return !failed.withLock { $0 }
    }

    /// Ends the stream after the last chunk.
    func finish() { channel.finish() }

    /// Ends the stream with an error, on either side.
    func fail(_ error: any Error) {
        failed.withLock { $0 = true }
        channel.fail(error)
    }
}
