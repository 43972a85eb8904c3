import Foundation

/// Places where a test build can make the process die on purpose, to prove that whatever a crash
/// leaves there can be recovered. A debug build started with `AEGIS_TEST_CRASH_AT=<point>` exits
/// at once (status 86, no cleanup, like `kill -9`) the first time it reaches that point; release
/// builds compile the check out.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// An upload's content is verified and the digest it commits as is recorded; its bytes are
    /// still in `uploads/`.
    case uploadMarked = "upload-marked"
    /// The bytes are in the blob store; the blob is not linked into the repository yet.
    case uploadMoved = "upload-moved"
    /// The blob is linked and the session ended; the client has no answer yet.
    case uploadLinked = "upload-linked"

    /// Ends the process here if the environment asks for this point (debug builds only).
    func reach() {
        #if DEBUG
            if Self.configured == self {
                FileHandle.standardError.write(Data("crash point \(rawValue) reached: exiting\n".utf8))
                _exit(86)
            }
        #endif
    }

    #if DEBUG
        private static let configured = ProcessInfo.processInfo.environment["AEGIS_TEST_CRASH_AT"].flatMap(CrashPoint.init(rawValue:))
    #endif
}
