import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import AegisStore
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addGasRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("gas/schedule") { request, context in
            try json(try operations.gas.schedule(try await caller(request, context)))
        }
        api.get("gas/prices") { request, context in
            let caller = try await caller(request, context)
            let (current, history) = try await operations.gas.prices(limit: try pageLimit(request, default: 100, maximum: 10_000), caller)
            let prices = history.map { PriceView(time: $0.time.ISO8601Format(), baseFee: $0.baseFee, gasUsed: $0.gasUsed) }
            return try json(PriceHistory(current: current, history: prices))
        }
        api.put("tenants/:tenant/gas/max-price") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewMaxPrice.self, from: request)
            try await operations.gas.setMaxPrice(body.maxPrice, of: tenant, caller)
            return try json(MaxPriceView(tenant: tenant.value, maxPrice: body.maxPrice))
        }
        api.delete("tenants/:tenant/gas/max-price") { request, context in
            let caller = try await caller(request, context)
            try await operations.gas.setMaxPrice(nil, of: try tenantParameter(context), caller)
            return Response(status: .noContent)
        }
        api.get("tenants/:tenant/gas/invoice") { request, context in
            let caller = try await caller(request, context)
            let invoice = try await operations.gas.invoice(of: try tenantParameter(context), period: request.query("period"), caller)
            switch request.query("format") ?? "json" {
            case "json": return try json(invoice)
            case "csv":
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: invoice.csv)))
            default: throw APIError.badRequest("format must be json or csv")
            }
        }
        api.put("tenants/:tenant/gas/budget") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(NewBudget.self, from: request)
            try await operations.gas.setBudget(body.budget, of: tenant, caller)
            return try json(BudgetView(tenant: tenant.value, budget: body.budget))
        }
        api.delete("tenants/:tenant/gas/budget") { request, context in
            let caller = try await caller(request, context)
            try await operations.gas.setBudget(nil, of: try tenantParameter(context), caller)
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
