import AegisConfig
import AegisCore
import AegisGas
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@Suite struct GasMeteringTests {
    @Test func responsesCarryTheGasTheyCost() async throws {
        try await withRegistry { client in
            let (manifest, _) = try await client.pushImage(to: "acme/app", tag: "v1")
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { response throws in
                let schedule = GasSchedule.standard
                let expected = schedule.intrinsic(.manifestGet) + schedule.egress(bytes: Int64(manifest.count))
                #expect(response.header("Aegis-Gas-Used") == String(expected))
                #expect(response.header("Aegis-Gas-Limit") == "20000000")
                #expect(response.header("Aegis-Gas-Price") == "1")
            }
            // Errors are metered too.
            try await client.execute(uri: "/v2/acme/app/manifests/missing", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.header("Aegis-Gas-Used") == String(GasSchedule.standard.intrinsic(.manifestGet)))
            }
        }
    }

    @Test func outOfGasCommitsNothingButIsCharged() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let bytes = randomBytes(200 * 1024)
        try await registry.run { client in
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(bytes))", method: .post, headers: [HTTPField.Name("Aegis-Gas-Limit")!: "1200"],
                body: ByteBuffer(bytes: bytes)
            ) { response throws in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "DENIED")
                #expect(String(buffer: response.body).contains(#""reason":"out_of_gas""#))
                // 1,000 intrinsic + 2 per KiB: the 200 KiB body runs out of gas on its way in.
                #expect(response.header("Aegis-Gas-Used") == "1200")
                // The rest of a refused body above 64 KiB is not read: the connection ends (HTTP/2:
                // only the stream, which has no such header).
                #expect(response.header("Connection") == (TestRegistry.overTLS ? nil : "close"))
            }
        }
        try await registry.run { client in
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(bytes))", method: .head) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [HTTPField.Name("Aegis-Gas-Limit")!: "nope"]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [HTTPField.Name("Aegis-Gas-Limit")!: "99999999999999"]
            ) { response throws in
                #expect(String(buffer: response.body).contains("gas_limit_too_high"))
            }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        let exhausted = try #require(charges.first { $0.outOfGas })
        #expect(exhausted.gas == 1200)
        #expect(exhausted.operation == "upload.finish")
        try storage.metadata.close()
    }

    @Test func theLedgerEqualsTheHeadersOfAMixedWorkload() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let total = try await registry.run { client in
            let tally = GasTally()
            let recording = RecordingClient(base: client, tally: tally)
            let (_, digest) = try await recording.pushImage(to: "acme/app", tag: "v1")
            _ = try await recording.pushImage(to: "globex/web", tag: "v1")
            for uri in ["/v2/acme/app/manifests/v1", "/v2/acme/app/tags/list", "/v2/acme/app/referrers/\(digest)", "/v2/acme/nope/manifests/x"] {
                _ = try await recording.execute(uri: uri, method: .get)
            }
            _ = try await recording.execute(uri: "/v2/acme/app/manifests/v1", method: .delete)
            return tally.total.withLock { $0 }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        var ledger: UInt64 = 0
        for tenant in [try TenantID("acme"), try TenantID("globex"), GasAccounts.registry] {
            ledger += try await storage.metadata.gasUsed(by: tenant, since: .distantPast)
        }
        #expect(ledger == total)
        #expect(total > 0)
        try storage.metadata.close()
    }

    @Test func anExhaustedBudgetRefusesWork() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(prepare: { storage, _ in try await storage.metadata.setGasBudget(2500, of: TenantID("acme")) }) { client in
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { #expect($0.status == .notFound) }  // 150 gas
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { #expect($0.status == .accepted) }  // 500
            // A manifest PUT reserves 2,000 + its bytes: more than the 1,850 left.
            try await client.execute(
                uri: "/v2/acme/app/manifests/v1", method: .put, headers: [.contentType: MediaType.ociManifest], body: ByteBuffer(string: "{}")
            ) { response throws in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("budget_exhausted"))
            }
            // Another tenant is not affected.
            try await client.execute(uri: "/v2/globex/app/blobs/uploads/", method: .post) { #expect($0.status == .accepted) }
        }
    }
}

final class GasTally: Sendable {
    let total = Mutex<UInt64>(0)
}

/// Sums `Aegis-Gas-Used` of every response.
struct RecordingClient: TestClientProtocol {
    let base: any TestClientProtocol
    let tally: GasTally

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
        let used = response.header("Aegis-Gas-Used").flatMap { UInt64($0) } ?? 0
        tally.total.withLock { $0 += used }
        return response
    }

    var port: Int? { base.port }
}

@Suite struct FeeMarketFlowTests {
    @Test func pushesWaitWhileTheBaseFeeIsAboveTheTenantsMaximum() async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.gas.price = 5
        registry.configuration.gas.feeIntervalSeconds = 1
        try await registry.run(prepare: { storage, _ in try await storage.metadata.setMaxGasPrice(3, of: TenantID("acme")) }) { client in
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { response throws in
                #expect(response.status == .tooManyRequests)
                #expect(response.errorCode == "TOOMANYREQUESTS")
                #expect(response.header("Retry-After") == "1")
                #expect(response.header("Aegis-Gas-Price") == "5")
            }
            // Pulls are not deferrable; other tenants are not limited.
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/globex/app/blobs/uploads/", method: .post) { #expect($0.status == .accepted) }
            try await Task.sleep(for: .milliseconds(1300))
            try await client.execute(uri: "/api/v1/gas/prices?limit=5", method: .get) { response throws in
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(document["current"] as? Int == 5)
                #expect((document["history"] as? [[String: Any]])?.isEmpty == false)
            }
        }
    }
}

@Suite struct StorageQuotaFlowTests {
    @Test func overQuotaPushesAreRefusedAndPullsKeepWorking() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run(prepare: { storage, _ in try await storage.metadata.setStorageQuota(3000, of: TenantID("acme")) }) { client in
            let kept = try await client.pushBlob(randomBytes(2000), to: "acme/app")
            let refused = randomBytes(2000)
            try await client.execute(
                uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(refused))", method: .post, body: ByteBuffer(bytes: refused)
            ) { response throws in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("storage_quota_exceeded"))
            }
            try await client.execute(uri: "/v2/acme/app/blobs/\(sha256(refused))", method: .head) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/acme/app/blobs/\(kept)", method: .get) { #expect($0.status == .ok) }
            // The same bytes in another repository of the tenant cost nothing more.
            try await client.execute(uri: "/v2/acme/copy/blobs/uploads/?mount=\(kept)&from=acme/app", method: .post) {
                #expect($0.status == .created)
            }
        }
    }
}

@Suite struct StorageAccrualFlowTests {
    @Test func storedBytesAccrueGasInTheLedger() async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.gas.storageAccrualSeconds = 1
        try await registry.run { client in
            _ = try await client.pushBlob(randomBytes(4096), to: "acme/app")
            try await Task.sleep(for: .milliseconds(1500))
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        #expect(charges.contains { $0.operation == "storage.accrual" && $0.gas >= 1 && $0.principal == "system" })
        #expect(try await storage.metadata.charges(of: TenantID("globex"), from: .distantPast, to: .distantFuture).isEmpty)
        try storage.metadata.close()
    }
}

@Suite struct StorageAPITests {
    @Test func quotasAreSetAndUsageReadThroughTheAPI() async throws {
        try await withRegistry { client in
            _ = try await client.pushBlob(randomBytes(1500), to: "acme/app")
            let json: HTTPFields = [.contentType: "application/json"]
            try await client.execute(
                uri: "/api/v1/tenants/acme/storage/quota", method: .put, headers: json, body: ByteBuffer(string: #"{"quota":2000}"#)
            ) {
                response throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"quota":2000,"tenant":"acme","used":1500}"#)
            }
            let blob = randomBytes(1000)
            try await client.execute(uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(blob))", method: .post, body: ByteBuffer(bytes: blob)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/tenants/acme/storage/quota", method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/api/v1/tenants/acme/storage", method: .get) { response throws in
                #expect(String(buffer: response.body) == #"{"tenant":"acme","used":1500}"#)
            }
        }
    }
}

@Suite struct APIMeteringTests {
    @Test func tenantManagementCallsAreBilledToTheTenant() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try await registry.run { client in
            try await client.execute(uri: "/api/v1/tenants/acme/members", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Aegis-Gas-Used") == String(GasSchedule.standard.intrinsic(.apiCall)))
            }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let charges = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        #expect(charges.contains { $0.operation == "api.call" && $0.gas == 100 })
        try storage.metadata.close()
    }

    @Test func requestsNoTenantPaysForAreChargedToTheRegistryAccount() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let schedule = GasSchedule.standard
        try await registry.run(as: nil) { anonymous in
            let admin = AuthenticatedClient(base: anonymous, user: TestRegistry.admin.user, password: TestRegistry.admin.password)
            // Refused before any tenant is known: the registry pays.
            try await anonymous.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.header("Aegis-Gas-Used") == String(schedule.intrinsic(.registryRequest)))
            }
            try await admin.execute(uri: "/api/v1/me", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Aegis-Gas-Used") == String(schedule.intrinsic(.apiCall)))
            }
            try await anonymous.execute(uri: "/.well-known/jwks.json", method: .get) { #expect($0.status == .ok) }
            // A token for one tenant's repository is that tenant's cost.
            try await admin.execute(uri: "/token?scope=repository:acme/app:pull", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Aegis-Gas-Used") == String(schedule.intrinsic(.tokenIssue)))
            }
            try await anonymous.execute(uri: "/token", method: .get) { #expect($0.status == .ok) }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        let own = try await storage.metadata.charges(of: GasAccounts.registry, from: .distantPast, to: .distantFuture)
        let rows = own.map { "\($0.operation) \($0.principal) \($0.gas)" }.sorted()
        #expect(rows == ["api.call user:admin 100", "registry.request anonymous 50", "registry.request anonymous 50", "token.issue anonymous 300"])
        let acme = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture)
        #expect(acme.map(\.operation) == ["token.issue"])
        #expect(acme.first?.principal == "user:admin")
        try storage.metadata.close()
    }

    @Test func withMeteringOffNothingIsChargedOrAnnounced() async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.gas.metering = false
        try await registry.run { client in
            _ = try await client.pushImage(to: "acme/app", tag: "v1")
            try await client.execute(uri: "/v2/acme/app/manifests/v1", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Aegis-Gas-Used") == nil)
            }
        }
        let storage = try await AegisStorage.open(registry.configuration)
        #expect(try await storage.metadata.gasUsed(by: TenantID("acme"), since: .distantPast) == 0)
        #expect(try await storage.metadata.gasUsed(by: GasAccounts.registry, since: .distantPast) == 0)
        try storage.metadata.close()
    }
}
