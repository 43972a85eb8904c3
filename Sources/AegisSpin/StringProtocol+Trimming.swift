extension StringProtocol {
    /// The text without leading and trailing whitespace (Rust's `str::trim`).
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
