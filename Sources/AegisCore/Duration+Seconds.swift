extension Duration {
    /// As fractional seconds (for logs, gauges and summaries).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
