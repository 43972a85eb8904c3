import AegisCarbon
import AegisCore
import AegisGas
import AegisStore
import Foundation

/// The one place usage is metered, for every surface (`/v2`, `/api`, `/token`, `/apps`, runs):
/// a meter per request; `bill` names the payer, reserves against its budget and charges the
/// intrinsic gas; `charge` adds what the work costs as it happens; `settle` writes what was used
/// to the ledger and the payer's account and returns the `UsageRecord`.
public struct Metering: Sendable {
    public let schedule: GasSchedule
    public let settings: GasSettings
    public let accounts: GasAccounts
    /// Ledger rows waiting for the batch writer.
    public let ledger: GasLedgerLog
    public let feeMarket: FeeMarket
    /// Energy and emissions of the settled usage; nil when carbon accounting is off.
    public let carbon: CarbonAccountant?
    /// Carbon rows waiting for the batch writer.
    public let carbonLedger = CarbonLedgerLog()
    let observer: any UsageObserver

    public init(
        schedule: GasSchedule, settings: GasSettings, accounts: GasAccounts, ledger: GasLedgerLog, feeMarket: FeeMarket,
        carbon: CarbonAccountant? = nil, observer: any UsageObserver
    ) {
        self.schedule = schedule
        self.settings = settings
        self.accounts = accounts
        self.ledger = ledger
        self.feeMarket = feeMarket
        self.carbon = carbon
        self.observer = observer
    }

    /// What a request reserves of its payer's budget when it is billed.
    public enum Reservation: Sendable {
        /// The operation's intrinsic gas plus `extra` known up front (a declared body's ingress).
        case intrinsic(plus: UInt64)
        /// The meter's whole limit: work whose cost is known only when it ends (runs, app requests).
        case limit
        /// Nothing: cheap work that must not fail on a spent budget (issuing a token).
        case nothing
    }

    /// A fresh meter at the default limit and the current base fee.
    public func meter() -> GasMeter {
        GasMeter(limit: settings.defaultLimit, price: feeMarket.baseFee)
    }

    /// Applies a client's requested limit (`Aegis-Gas-Limit`, a run's `gasLimit`).
    /// - Throws: `gas` with reason `invalid_gas_limit` or `gas_limit_too_high`.
    public func applyLimit(_ requested: String?, to meter: GasMeter) throws {
        guard let requested else { return }
        guard let limit = UInt64(requested), limit > 0 else {
            throw OperationError(.gas, "the gas limit must be a positive integer", reason: "invalid_gas_limit")
        }
        guard limit <= settings.maxLimit else {
            throw OperationError(
                .gas, "the gas limit is above the maximum of \(settings.maxLimit)", reason: "gas_limit_too_high",
                detail: ["maxGasLimit": String(settings.maxLimit)])
        }
        meter.setLimit(max(limit, meter.reading.used))
    }

    /// Bills the meter's request to `tenant` and charges the operation's intrinsic gas. A meter
    /// billed before (an API call turning into a run) is re-billed: its earlier reservation is released.
    /// - Throws: `gas` with reason `budget_exhausted`, `out_of_gas`, or (deferrable work above the
    ///   tenant's maximum price) `base_fee_above_max` with a retry delay.
    public func bill(
        _ meter: GasMeter, to tenant: TenantID, principal: String, repository: String?, operation: GasOperation,
        reserving reservation: Reservation = .intrinsic(plus: 0)
    ) async throws {
        meter.bill(tenant, principal: principal, repository: repository, operation: operation)
        if let previous = meter.reservation {
            accounts.settle(previous, used: 0)
            meter.reservation = nil
        }
        let intrinsic = schedule.intrinsic(operation)
        let reserved: UInt64? =
            switch reservation {
            case .intrinsic(let extra): intrinsic.addingReportingOverflow(extra).overflow ? .max : intrinsic + extra
            case .limit: meter.reading.limit
            case .nothing: nil
            }
        try await gasRefusal {
            if let reserved { meter.reservation = try await accounts.reserve(reserved, for: tenant) }
            if operation.isDeferrable, let maxPrice = accounts.maxPrice(of: tenant), meter.price > maxPrice {
                throw OperationError(
                    .gas, "the gas base fee \(meter.price) is above the tenant's maximum of \(maxPrice); retry later",
                    reason: "base_fee_above_max", retryAfter: settings.feeIntervalSeconds,
                    detail: ["baseFee": String(meter.price), "maxFee": String(maxPrice)])
            }
            try meter.charge(intrinsic)
        }
    }

    /// Charges `gas` for work done (bytes moved, fuel burnt).
    /// - Throws: `gas` with reason `out_of_gas` when the meter's limit is passed.
    public func charge(_ meter: GasMeter, _ gas: UInt64) throws {
        do {
            try meter.charge(gas)
        } catch let error as RegistryError {
            throw OperationError(gasError: error)
        }
    }

    /// Settles a finished request: to the ledger and the payer's account, and to the observer.
    /// A request no tenant was billed for (refused, unauthenticated, registry-wide) is charged its
    /// `fallback` operation's intrinsic gas on the registry's own account, so the ledger holds every request.
    @discardableResult
    public func settle(_ meter: GasMeter, requestID: String, fallback: GasOperation) -> UsageRecord {
        if !meter.isBilled {
            meter.bill(GasAccounts.registry, principal: meter.reading.principal, repository: nil, operation: fallback)
            if meter.reading.used == 0 { try? meter.charge(schedule.intrinsic(fallback)) }
        }
        let reading = meter.reading
        let tenant = reading.tenant ?? GasAccounts.registry
        let usage = UsageRecord(
            time: Date(), tenant: tenant, principal: reading.principal, operation: reading.operation ?? fallback,
            repository: reading.repository, requestID: requestID, gasUsed: reading.used, gasLimit: reading.limit, price: reading.price,
            schedule: schedule.version, outOfGas: reading.exhausted, bytesIn: reading.bytesIn, bytesOut: reading.bytesOut, cpu: reading.cpu)
        feeMarket.record(usage.gasUsed)
        if let reservation = meter.reservation {
            accounts.settle(reservation, used: usage.gasUsed)
        } else {
            accounts.record(usage.gasUsed, for: tenant)
        }
        let remaining = accounts.snapshot(tenant).flatMap { account in account.budget.map { $0 > account.used ? $0 - account.used : 0 } }
        observer.observe(usage, remaining: remaining)
        ledger.record(usage.charge)
        carbon?.record(usage.carbonUsage)
        return usage
    }

    /// Runs `body`, reporting the gas layer's refusals (`DENIED` with a reason) as `gas` errors.
    private func gasRefusal(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RegistryError {
            throw OperationError(gasError: error)
        }
    }
}

extension OperationError {
    /// Reasons of the gas layer's refusals.
    static let gasReasons: Set<String> = ["out_of_gas", "budget_exhausted", "base_fee_above_max", "invalid_gas_limit", "gas_limit_too_high"]

    /// A `DENIED` of the layers below, with its `reason` and figures: `gas` for the gas layer's,
    /// `forbidden` for others (a storage quota).
    init(gasError error: RegistryError) {
        var detail = error.detail ?? [:]
        let reason = detail.removeValue(forKey: "reason")
        self.init(reason.map(Self.gasReasons.contains) == true ? .gas : .forbidden, error.message, reason: reason, detail: detail)
    }
}

extension GasOperation {
    /// Work that can wait for a cheaper interval (writes); pulls and deletes cannot.
    public var isDeferrable: Bool {
        switch self {
        case .uploadStart, .uploadChunk, .uploadFinish, .blobMount, .manifestPut: true
        default: false
        }
    }
}
