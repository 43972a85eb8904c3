import Synchronization

/// An EIP-1559-style base fee per gas. Each interval the node has a gas capacity; the target is
/// half of it (elasticity 2). After an interval the base fee moves toward balance by at most 1/8:
/// up when more than the target was used, down when less, never below the floor.
public final class FeeMarket: Sendable {
    private struct State {
        var baseFee: UInt64
        var used: UInt64 = 0
    }

    /// Gas the node can process per interval.
    public let capacity: UInt64
    /// The lowest base fee (the configured price).
    public let floor: UInt64
    private let state: Mutex<State>

    /// Creates a market starting at `floor`.
    public init(capacity: UInt64, floor: UInt64) {
        self.capacity = max(capacity, 2)
        self.floor = floor
        self.state = Mutex(State(baseFee: floor))
    }

    /// The base fee in force.
    public var baseFee: UInt64 { state.withLock { $0.baseFee } }

    /// Counts gas used in the current interval.
    public func record(_ gas: UInt64) {
        state.withLock { $0.used = $0.used.addingReportingOverflow(gas).partialValue }
    }

    /// Ends the interval: computes the next base fee from the gas used.
    /// - Returns: the gas used in the interval that ended and the new base fee.
    @discardableResult
    public func advance() -> (used: UInt64, baseFee: UInt64) {
        state.withLock { state in
            let used = state.used
            state.baseFee = next(parent: state.baseFee, gasUsed: used)
            state.used = 0
            return (used, state.baseFee)
        }
    }

    /// The base fee after an interval that used `gasUsed` from `parent`, at this market's target
    /// and floor (`advance` applies it to the node's own count; a cluster's leader to the ledger's).
    public func next(parent: UInt64, gasUsed: UInt64) -> UInt64 {
        max(floor, Self.nextBaseFee(parent: parent, gasUsed: gasUsed, gasTarget: capacity / 2))
    }

    /// Takes the base fee another node computed, and starts a new interval.
    public func adopt(_ baseFee: UInt64) {
        state.withLock { state in
            state.baseFee = max(floor, baseFee)
            state.used = 0
        }
    }

    /// EIP-1559's update rule (`BASE_FEE_MAX_CHANGE_DENOMINATOR` = 8), in integer arithmetic.
    public static func nextBaseFee(parent: UInt64, gasUsed: UInt64, gasTarget: UInt64) -> UInt64 {
        guard gasTarget > 0, gasUsed != gasTarget else { return parent }
        if gasUsed > gasTarget {
            let delta = Self.muldiv(parent, gasUsed - gasTarget, gasTarget) / 8
            let (sum, overflow) = parent.addingReportingOverflow(max(delta, 1))
            return overflow ? .max : sum
        }
        // Unlike EIP-1559 a fall is at least 1 too, so a small fee cannot stick above the floor.
        let delta = Self.muldiv(parent, gasTarget - gasUsed, gasTarget) / 8
        return parent - min(max(delta, 1), parent)
    }

    /// `a × b / c` without intermediate overflow.
    static func muldiv(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        guard high < c else { return .max }
        return c.dividingFullWidth((high, low)).quotient
    }
}
