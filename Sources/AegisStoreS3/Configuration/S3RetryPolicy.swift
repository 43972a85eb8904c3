/// How idempotent requests are retried after a connection error or a transient answer (500, 503,
/// `SlowDown`): exponential backoff from `baseDelay`, capped at `maximumDelay`, with jitter.
public struct S3RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (1 means no retry).
    public var maximumAttempts: Int
    /// The delay before the second attempt; it doubles for each further one.
    public var baseDelay: Duration
    /// The longest delay between two attempts.
    public var maximumDelay: Duration

    /// Creates a policy.
    public init(maximumAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(3)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// Four attempts, 100 ms then 200 ms then 400 ms apart (each between half and all of that).
    public static let standard = S3RetryPolicy()

    /// One attempt only.
    public static let none = S3RetryPolicy(maximumAttempts: 1)

    /// The wait before attempt `attempt + 1`, after `attempt` failed (1-based).
    func delay(after attempt: Int) -> Duration {
        let exponential = baseDelay * (1 << min(max(attempt - 1, 0), 20))
        let capped = min(exponential, maximumDelay)
        return capped / 2 + (capped / 2) * Double.random(in: 0...1)
    }
}
