/// Gas limits, budgets and price, as configured (`gas.*` keys).
public struct GasSettings: Sendable, Hashable {
    /// Whether requests are metered at all. Off, nothing is charged, no gas headers are sent
    /// and budgets, prices and storage gas do nothing (storage quotas still hold): for
    /// installations that bill nobody, and to measure what metering costs.
    public var metering = true
    /// A request's gas limit when it names none.
    public var defaultLimit: UInt64 = 20_000_000
    /// The most a request may ask for with `Aegis-Gas-Limit`.
    public var maxLimit: UInt64 = 1_000_000_000
    /// Each tenant's budget per calendar month unless set per tenant; nil is unlimited.
    public var defaultBudget: UInt64?
    /// Price per gas in nano-credits (the fee market moves it; this is its floor).
    public var price: UInt64 = 1
    /// Gas the node can process per fee interval; the market targets half of it.
    public var capacityPerInterval: UInt64 = 200_000_000
    /// Seconds per fee-market interval.
    public var feeIntervalSeconds = 10
    /// Seconds between two storage-gas accruals.
    public var storageAccrualSeconds = 3600

    public init() {}
}
