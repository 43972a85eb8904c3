#if canImport(Glibc)
    import Glibc
#endif

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): what a run, which stays on one
/// thread of the executor's pool from start to end, used itself.
enum ThreadCPUClock {
    static func now() -> Duration {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return .zero }
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
