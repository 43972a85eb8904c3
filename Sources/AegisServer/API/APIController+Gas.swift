import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addGasRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("gas/schedule") { request, context in
            _ = try await authenticate(request, context)
            return try json(gas.schedule)
        }
        api.get("gas/prices") { request, context in
            _ = try await authenticate(request, context)
            let limit = try pageLimit(request, default: 100, maximum: 10_000)
            let prices = try await store.prices(limit: limit).map {
                PriceView(time: $0.time.ISO8601Format(), baseFee: $0.baseFee, gasUsed: $0.gasUsed)
            }
            return try json(PriceHistory(current: gas.feeMarket.baseFee, history: prices))
        }
        api.put("tenants/:tenant/gas/max-price") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageTenant, in: tenant, for: principal, request: request, context: context)
            let body = try await decode(NewMaxPrice.self, from: request)
            guard body.maxPrice >= 0 else { throw APIError.badRequest("maxPrice must not be negative") }
            try await translating { try await store.setMaxGasPrice(UInt64(body.maxPrice), of: tenant) }
            gas.accounts.forget(tenant)
            return try json(MaxPriceView(tenant: tenant.value, maxPrice: body.maxPrice))
        }
        api.delete("tenants/:tenant/gas/max-price") { request, context in
            let principal = try await authenticate(request, context)
            let tenant = try tenantParameter(context)
            try await require(.manageTenant, in: tenant, for: principal, request: request, context: context)
            try await translating { try await store.setMaxGasPrice(nil, of: tenant) }
            gas.accounts.forget(tenant)
            return Response(status: .noContent)
        }
        api.get("tenants/:tenant/gas/invoice") { request, context in
            let principal = try await authenticate(request, context)
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
            let principal = try await authenticate(request, context)
            try requireSystemAdmin(principal, action: "setGasBudget", context: context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewBudget.self, from: request)
            guard body.budget > 0 else { throw APIError.badRequest("budget must be positive (DELETE removes it)") }
            try await translating { try await store.setGasBudget(UInt64(body.budget), of: tenant) }
            gas.accounts.forget(tenant)
            return try json(BudgetView(tenant: tenant.value, budget: body.budget))
        }
        api.delete("tenants/:tenant/gas/budget") { request, context in
            let principal = try await authenticate(request, context)
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

struct NewMaxPrice: APIRequestBody {
    static let fields: Set<String> = ["maxPrice"]
    var maxPrice: Int64
}

struct MaxPriceView: Encodable {
    var tenant: String
    var maxPrice: Int64
}

struct PriceView: Encodable {
    var time: String
    var baseFee: UInt64
    var gasUsed: UInt64
}

struct PriceHistory: Encodable {
    /// The base fee in force now.
    var current: UInt64
    /// Base fees at the end of past intervals, newest first.
    var history: [PriceView]
}
