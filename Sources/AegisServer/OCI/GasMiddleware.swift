import AegisCore
import AegisGas
import AegisOperations
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
    let metering: Metering

    func handle(
        _ request: Request, context: AegisRequestContext, next: (Request, AegisRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let meter = metering.meter()
        context.gas = meter
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Rendered here, so that error answers carry the gas headers too.
            response = try ErrorMiddleware.render(error, request: request, context: context)
        }
        let path = request.uri.path
        let fallback: GasOperation = path == "/token" ? .tokenIssue : path.hasPrefix("/api/") ? .apiCall : .registryRequest
        let usage = metering.settle(meter, requestID: context.id, fallback: fallback)
        response.headers[.aegisGasUsed] = String(usage.gasUsed)
        response.headers[.aegisGasLimit] = String(usage.gasLimit)
        response.headers[.aegisGasPrice] = String(usage.price)
        return response
    }
}

extension HTTPField.Name {
    static let aegisGasUsed = HTTPField.Name("Aegis-Gas-Used")!
    static let aegisGasLimit = HTTPField.Name("Aegis-Gas-Limit")!
    static let aegisGasPrice = HTTPField.Name("Aegis-Gas-Price")!
}
