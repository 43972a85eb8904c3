import AegisCore
import Synchronization

/// The gas account of one request: a limit, what has been used, and the tenant to charge.
/// Shared by reference between the request's handler, its streaming body and the middleware that
/// settles it, so it locks its state.
public final class GasMeter: Sendable {
    private struct State {
        var limit: UInt64
        var used: UInt64 = 0
        var operation: GasOperation?
        var tenant: TenantID?
        var principal: String = "anonymous"
        var repository: String?
        var exhausted = false
        var reservation: GasAccounts.Reservation?
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var cpu: Duration?
    }

    private let state: Mutex<State>
    /// The price per gas charged for this request (the base fee when it started).
    public let price: UInt64

    /// A meter with a limit.
    public init(limit: UInt64, price: UInt64) {
        state = Mutex(State(limit: limit))
        self.price = price
    }

    /// Names who pays and for what.
    public func bill(_ tenant: TenantID, principal: String, repository: String?, operation: GasOperation) {
        state.withLock {
            $0.tenant = tenant
            $0.principal = principal
            $0.repository = repository
            $0.operation = operation
        }
    }

    /// Names the caller once known, for a request that no tenant pays for (see `bill`).
    public func attribute(to principal: String) {
        state.withLock { $0.principal = principal }
    }

    /// Whether a tenant has been named to pay.
    public var isBilled: Bool { state.withLock { $0.tenant != nil } }

    /// What the request reserved of its tenant's budget, to be settled.
    public var reservation: GasAccounts.Reservation? {
        get { state.withLock { $0.reservation } }
        set { state.withLock { $0.reservation = newValue } }
    }

    /// Changes the limit (from the client's `Aegis-Gas-Limit`, within the tenant's maximum).
    public func setLimit(_ limit: UInt64) {
        state.withLock { $0.limit = limit }
    }

    /// Uses `gas`. Past the limit the meter is exhausted: what was available is used up (charged,
    /// as in Ethereum) and `OUT_OF_GAS` is thrown, so the operation stops before it commits.
    public func charge(_ gas: UInt64) throws {
        let (ok, limit, used) = state.withLock { state -> (Bool, UInt64, UInt64) in
            let (sum, overflow) = state.used.addingReportingOverflow(gas)
            guard !overflow, sum <= state.limit else {
                state.used = state.limit
                state.exhausted = true
                return (false, state.limit, state.used)
            }
            state.used = sum
            return (true, state.limit, sum)
        }
        if !ok { throw Self.outOfGas(limit: limit, used: used) }
    }

    /// Uses up the whole limit (a WASM run that ran out of fuel): charged as out of gas.
    public func exhaust() {
        state.withLock {
            $0.used = $0.limit
            $0.exhausted = true
        }
    }

    /// Counts body bytes received and sent (for the energy of moving them).
    public func moved(in received: Int64 = 0, out sent: Int64 = 0) {
        state.withLock {
            $0.bytesIn += received
            $0.bytesOut += sent
        }
    }

    /// Adds CPU time measured for this request's own work (a WASM run's thread).
    public func measured(cpu: Duration) {
        state.withLock { $0.cpu = ($0.cpu ?? .zero) + cpu }
    }

    /// Gas left under the limit.
    public var remaining: UInt64 { state.withLock { $0.limit - $0.used } }

    /// A snapshot of the meter.
    public var reading: GasReading {
        state.withLock {
            GasReading(
                limit: $0.limit, used: $0.used, price: price, operation: $0.operation, tenant: $0.tenant, principal: $0.principal,
                repository: $0.repository, exhausted: $0.exhausted, bytesIn: $0.bytesIn, bytesOut: $0.bytesOut, cpu: $0.cpu)
        }
    }

    static func outOfGas(limit: UInt64, used: UInt64) -> RegistryError {
        RegistryError(
            .denied, "out of gas", detail: ["reason": "out_of_gas", "gasLimit": String(limit), "gasUsed": String(used)])
    }
}

/// What a meter says at one moment.
public struct GasReading: Sendable, Hashable {
    public var limit: UInt64
    public var used: UInt64
    public var price: UInt64
    public var operation: GasOperation?
    public var tenant: TenantID?
    public var principal: String
    public var repository: String?
    public var exhausted: Bool
    /// Body bytes received and sent.
    public var bytesIn: Int64
    public var bytesOut: Int64
    /// CPU time measured for the request's own work, if any was.
    public var cpu: Duration?
}
