import Synchronization
@_spi(WASIPlatform) import WASI

/// Standard input from memory, and standard output and error into memory up to a limit: no host
/// descriptor is ever handed to a guest, and no output can grow past what the caller keeps.
/// Every read and write also checks the run's deadline, so a guest cannot outlive it by talking.
final class MemoryStdio: WASIFile {
    enum Direction { case input, output }

    private struct State {
        var bytes: [UInt8]
        var offset = 0
        var dropped = 0
    }

    private let direction: Direction
    private let limit: Int
    private let deadline: Deadline
    private let state: Mutex<State>

    /// Standard input holding `bytes`.
    init(input bytes: [UInt8], deadline: Deadline) {
        direction = .input
        limit = bytes.count
        self.deadline = deadline
        state = Mutex(State(bytes: bytes))
    }

    /// An output keeping at most `limit` bytes.
    init(outputLimit limit: Int, deadline: Deadline) {
        direction = .output
        self.limit = limit
        self.deadline = deadline
        state = Mutex(State(bytes: []))
    }

    /// What was written, and whether some of it was dropped.
    var captured: (bytes: [UInt8], truncated: Bool) { state.withLock { ($0.bytes, $0.dropped > 0) } }

    var isBorrowed: Bool { true }

    func attributes() throws -> WASIAbi.Filestat {
        WASIAbi.Filestat(dev: 0, ino: 0, filetype: .CHARACTER_DEVICE, nlink: 0, size: 0, atim: 0, mtim: 0, ctim: 0)
    }

    func fileType() throws -> WASIAbi.FileType { .CHARACTER_DEVICE }
    func status() throws -> WASIAbi.Fdflags { [] }
    func setTimes(atim: WASIAbi.Timestamp, mtim: WASIAbi.Timestamp, fstFlags: WASIAbi.FstFlags) throws { throw WASIAbi.Errno.ENOTSUP }
    func advise(offset: WASIAbi.FileSize, length: WASIAbi.FileSize, advice: WASIAbi.Advice) throws {}
    func close() throws {}

    func fdStat() throws -> WASIAbi.FdStat {
        WASIAbi.FdStat(
            fsFileType: .CHARACTER_DEVICE, fsFlags: [], fsRightsBase: direction == .input ? .FD_READ : .FD_WRITE, fsRightsInheriting: [])
    }

    func setFdStatFlags(_ flags: WASIAbi.Fdflags) throws {}
    func setFilestatSize(_ size: WASIAbi.FileSize) throws { throw WASIAbi.Errno.EINVAL }
    func sync() throws {}
    func datasync() throws {}
    func tell() throws -> WASIAbi.FileSize { throw WASIAbi.Errno.ESPIPE }
    func seek(offset: WASIAbi.FileDelta, whence: WASIAbi.Whence) throws -> WASIAbi.FileSize { throw WASIAbi.Errno.ESPIPE }
    func pwrite(vectored buffers: GuestBuffers, offset: WASIAbi.FileSize) throws -> WASIAbi.Size { throw WASIAbi.Errno.ESPIPE }
    func pread(into buffers: GuestBuffers, offset: WASIAbi.FileSize) throws -> WASIAbi.Size { throw WASIAbi.Errno.ESPIPE }

    func write(vectored buffers: GuestBuffers) throws -> WASIAbi.Size {
        try deadline.check()
        guard direction == .output else { throw WASIAbi.Errno.EBADF }
        var total = 0
        for index in 0..<buffers.count {
            total += try buffers.withHostBuffer(at: index) { buffer in
                state.withLock { state in
                    let kept = min(buffer.count, limit - state.bytes.count)
                    if kept > 0 { state.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<kept])) }
                    state.dropped += buffer.count - kept
                }
                return buffer.count
            }
        }
        return WASIAbi.Size(truncatingIfNeeded: total)
    }

    func read(into buffers: GuestBuffers) throws -> WASIAbi.Size {
        try deadline.check()
        guard direction == .input else { throw WASIAbi.Errno.EBADF }
        var total = 0
        for index in 0..<buffers.count {
            let count = try buffers.withHostBuffer(at: index) { buffer in
                state.withLock { state in
                    let count = min(buffer.count, state.bytes.count - state.offset)
                    guard count > 0 else { return 0 }
                    state.bytes.withUnsafeBytes { source in
                        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[state.offset..<state.offset + count]))
                    }
                    state.offset += count
                    return count
                }
            }
            total += count
            if count == 0 { break }
        }
        return WASIAbi.Size(truncatingIfNeeded: total)
    }
}

/// The wall-clock bound of a run.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    /// - Throws: `DeadlineExceeded` once the instant has passed.
    func check() throws {
        if ContinuousClock.now >= instant { throw DeadlineExceeded() }
    }
}

struct DeadlineExceeded: Error {}
