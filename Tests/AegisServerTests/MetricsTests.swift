import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct MetricsTests {
    @Test func metricsCountRequestsGasAndFeesForAdministratorsOnly() async throws {
        try await withRegistry(as: nil) { client in
            let admin: HTTPFields = [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
            _ = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: admin)
            _ = try await client.execute(uri: "/v2/acme/app/tags/list", method: .get, headers: admin)
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: admin) { response throws in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#"aegis_http_requests_total{endpoint="v2.uploads",method="POST",status="202"} 1"#))
                #expect(text.contains(#"aegis_http_requests_total{endpoint="v2.tags",method="GET",status="200"} 1"#))
                #expect(text.contains(#"aegis_gas_used_total{tenant="acme",operation="upload.start"} 500"#))
                #expect(text.contains("aegis_gas_base_fee_nano_credits 1.0"))
                // OTel's http.server.request.duration, by its Prometheus name and attribute labels.
                #expect(
                    text.contains(
                        #"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/v2/{name}/tags/list",http_response_status_code="200"} 1"#
                    ))
                // The event counters exist before anything happened; the outbox lag only with a publisher.
                #expect(text.contains("aegis_events_published_total 0"))
                #expect(text.contains(#"aegis_access_decisions_total{decision="allow",reason="granted"} 2"#))
                #expect(!text.contains("aegis_events_outbox_lag_seconds"))
            }
        }
    }

    @Test func wasmRunsAreCountedByResult() async throws {
        try await withRegistry { client in
            try await client.pushWasmModule(try wasmFixture("hello"), to: "acme/tools/hello", tag: "v1")
            try await client.pushWasmModule(try wasmFixture("spin"), to: "acme/tools/spin", tag: "v1")
            _ = try await client.startRun(#"{"reference":"acme/tools/hello:v1"}"#)
            _ = try await client.startRun(#"{"reference":"acme/tools/spin:v1","gasLimit":5000}"#)
            try await client.execute(uri: "/metrics", method: .get) { response throws in
                let text = String(buffer: response.body)
                #expect(text.contains(#"aegis_wasm_runs_total{tenant="acme",trigger="api",status="exit"} 1"#))
                #expect(text.contains(#"aegis_wasm_runs_total{tenant="acme",trigger="api",status="out_of_gas"} 1"#))
                #expect(text.contains(#"aegis_wasm_fuel_total{tenant="acme"}"#))
                #expect(text.contains(#"aegis_wasm_run_duration_seconds_count{trigger="api"} 2"#))
            }
        }
    }
}
