import AegisCore
import AegisGas
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird

/// Gives every `/v2` request and every tenant-scoped `/api/v1` request a gas meter, and settles it whatever the outcome: the charge goes to
/// the ledger and the tenant's account, and the response (success or error) carries
/// `Aegis-Gas-Used`, `Aegis-Gas-Limit` and `Aegis-Gas-Price`.
struct GasMiddleware: RouterMiddleware {
    let gas: GasContext

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v2") || path.hasPrefix("/api/v1/tenants/") else { return try await next(request, context) }
        var context = context
        let meter = GasMeter(limit: gas.settings.defaultLimit, price: gas.feeMarket.baseFee)
        context.gas = meter
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            settle(meter, requestID: context.id)
            throw error
        }
        let reading = settle(meter, requestID: context.id)
        response.headers[.aegisGasUsed] = String(reading.used)
        response.headers[.aegisGasLimit] = String(reading.limit)
        response.headers[.aegisGasPrice] = String(reading.price)
        return response
    }

    @discardableResult
    private func settle(_ meter: GasMeter, requestID: String) -> GasReading {
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
