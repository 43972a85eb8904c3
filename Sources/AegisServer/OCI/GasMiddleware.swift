import AegisCore
import AegisGas
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request a gas meter, and settles it whatever the outcome: the charge goes to the
/// ledger and the payer's account, and the response (success or error) carries `Aegis-Gas-Used`,
/// `Aegis-Gas-Limit` and `Aegis-Gas-Price`.
///
/// The handlers name the tenant that pays (`/v2` and tenant-scoped `/api/v1` calls, tokens for one
/// tenant's repositories). What no tenant pays for — refused or unauthenticated requests,
/// registry-wide API calls, key sets, metrics scrapes — is charged to the registry's own account,
/// `_registry`, a name no tenant can have; so the ledger holds every request.
struct GasMiddleware: RouterMiddleware {
    let gas: GasContext

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let meter = GasMeter(limit: gas.settings.defaultLimit, price: gas.feeMarket.baseFee)
        context.gas = meter
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Rendered here, so that error answers carry the gas headers too.
            response = try ErrorMiddleware.render(error, request: request, context: context)
        }
        let reading = settle(meter, request: request, requestID: context.id)
        response.headers[.aegisGasUsed] = String(reading.used)
        response.headers[.aegisGasLimit] = String(reading.limit)
        response.headers[.aegisGasPrice] = String(reading.price)
        return response
    }

    @discardableResult
    private func settle(_ meter: GasMeter, request: Request, requestID: String) -> GasReading {
        if !meter.isBilled { billToRegistry(meter, path: request.uri.path) }
        let reading = meter.reading
        guard let tenant = reading.tenant, let operation = reading.operation else { return reading }
        gas.feeMarket.record(reading.used)
        if let reservation = meter.reservation {
            gas.accounts.settle(reservation, used: reading.used)
        } else {
            gas.accounts.record(reading.used, for: tenant)
        }
        let remaining = gas.accounts.snapshot(tenant).flatMap { account in
            account.budget.map { $0 > account.used ? $0 - account.used : 0 }
        }
        gas.metrics.gasCharged(reading, tenant: tenant, operation: operation, remaining: remaining)
        gas.ledger.record(
            GasCharge(
                time: Date(), tenant: tenant.value, principal: reading.principal, operation: operation.rawValue,
                repository: reading.repository, requestID: requestID, gas: reading.used, price: reading.price,
                schedule: gas.schedule.version, outOfGas: reading.exhausted))
        return reading
    }

    /// Charges the intrinsic gas of a request no tenant paid for to the registry's account.
    private func billToRegistry(_ meter: GasMeter, path: String) {
        let operation: GasOperation =
            path == "/token" ? .tokenIssue : path.hasPrefix("/api/") ? .apiCall : .registryRequest
        meter.bill(GasAccounts.registry, principal: meter.reading.principal, repository: nil, operation: operation)
        if meter.reading.used == 0 { try? meter.charge(gas.schedule.intrinsic(operation)) }
    }
}

/// The gas machinery shared by the surfaces.
struct GasContext: Sendable {
    let schedule: GasSchedule
    let settings: AegisConfiguration.GasSettings
    let accounts: GasAccounts
    let ledger: GasLedgerLog
    let feeMarket: FeeMarket
    let metrics: RegistryMetrics
}

extension HTTPField.Name {
    static let aegisGasUsed = HTTPField.Name("Aegis-Gas-Used")!
    static let aegisGasLimit = HTTPField.Name("Aegis-Gas-Limit")!
    static let aegisGasPrice = HTTPField.Name("Aegis-Gas-Price")!
}
