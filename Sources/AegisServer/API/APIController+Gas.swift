import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addGasRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("gas/schedule") { request, _ in
            _ = try await authenticate(request)
            return try json(gas.schedule)
        }
        api.get("tenants/:tenant/gas/invoice") { request, context in
            let principal = try await authenticate(request)
            let tenant = try tenantParameter(context)
            try await require(.readAudit, in: tenant, for: principal, request: request, context: context)
            let period = request.query("period") ?? Invoice.period(of: Date())
            guard let bounds = Invoice.bounds(of: period) else { throw APIError.badRequest("period must be YYYY-MM") }
            let charges = try await store.charges(of: tenant, from: bounds.start, to: bounds.end)
            let budget = try await store.gasBudget(of: tenant) ?? gas.settings.defaultBudget
            let invoice = Invoice(tenant: tenant.value, period: period, charges: charges, budget: budget)
            switch request.query("format") ?? "json" {
            case "json": return try json(invoice)
            case "csv":
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: invoice.csv)))
            default: throw APIError.badRequest("format must be json or csv")
            }
        }
        api.put("tenants/:tenant/gas/budget") { request, context in
            let principal = try await authenticate(request)
            try requireSystemAdmin(principal, action: "setGasBudget", context: context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewBudget.self, from: request)
            guard body.budget > 0 else { throw APIError.badRequest("budget must be positive (DELETE removes it)") }
            try await translating { try await store.setGasBudget(UInt64(body.budget), of: tenant) }
            gas.accounts.forget(tenant)
            return try json(BudgetView(tenant: tenant.value, budget: body.budget))
        }
        api.delete("tenants/:tenant/gas/budget") { request, context in
            let principal = try await authenticate(request)
            try requireSystemAdmin(principal, action: "setGasBudget", context: context)
            let tenant = try tenantParameter(context)
            try await translating { try await store.setGasBudget(nil, of: tenant) }
            gas.accounts.forget(tenant)
            return Response(status: .noContent)
        }
    }
}

struct NewBudget: APIRequestBody {
    static let fields: Set<String> = ["budget"]
    var budget: Int64
}

struct BudgetView: Encodable {
    var tenant: String
    var budget: Int64
}
