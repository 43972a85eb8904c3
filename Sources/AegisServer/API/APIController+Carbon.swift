import AegisCarbon
import AegisCore
import AegisOperations
import AegisStore
import Foundation
import Hummingbird
import NIOCore

extension APIController {
    func addCarbonRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("carbon/hotspots") { request, context in
            let caller = try await caller(request, context)
            let (period, tenants) = try await operations.carbon.tenantHotspots(period: request.query("period"), caller)
            return try json(TenantHotspots(period: period, tenants: tenants))
        }
        api.get("tenants/:tenant/carbon") { request, context in
            let caller = try await caller(request, context)
            let report = try await operations.carbon.report(of: try tenantParameter(context), period: request.query("period"), caller)
            switch request.query("format") ?? "json" {
            case "json": return try json(report)
            case "csv":
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv)))
            default: throw APIError.badRequest("format must be json or csv")
            }
        }
        api.get("tenants/:tenant/carbon/export") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let format = request.query("format") ?? "ndjson"
            guard format == "ndjson" || format == "csv" else { throw APIError.badRequest("format must be ndjson or csv") }
            let bounds = try await operations.carbon.exportBounds(of: tenant, period: request.query("period"), caller)
            let store = operations.store
            // Streamed a page at a time: a month of rows is never held whole.
            let body = ResponseBody { writer in
                if format == "csv" { try await writer.write(ByteBuffer(string: CarbonCharge.csvHeader + "\n")) }
                try await CarbonOperations.pages(of: tenant, in: bounds, store: store) { page in
                    let text = page.map { format == "csv" ? $0.charge.csvRow(id: $0.id) : $0.charge.jsonLine(id: $0.id) }.joined(separator: "\n")
                    try await writer.write(ByteBuffer(string: text + "\n"))
                }
                try await writer.finish(nil)
            }
            let type = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson"
            return Response(status: .ok, headers: [.contentType: type], body: body)
        }
    }
}

/// The registry's tenants by emissions per pull.
struct TenantHotspots: Encodable {
    var period: String
    var tenants: [CarbonReport.TenantHotspot]
}
