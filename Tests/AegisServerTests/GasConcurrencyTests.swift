import AegisCore
import AegisGas
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct GasConcurrencyTests {
    /// 200 concurrent pushes against a budget that allows 100: exactly 100 succeed (every push declares
    /// its length, so the in-flight bound is zero), and no charge is lost or doubled.
    @Test func concurrentPushesNeverOverrunTheBudget() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let perPush = GasSchedule.standard.intrinsic(.uploadFinish) + GasSchedule.standard.ingress(bytes: 1024)
        let budget = perPush * 100
        let outcomes = try await registry.run(
            .ahc(.http), prepare: { storage, _ in try await storage.metadata.setGasBudget(budget, of: TenantID("acme")) }
        ) { client in
            // As many in flight as the client has connections (8): the server always has concurrent
            // pushes to race, and no request queues for a connection, which times out in the
            // client's pool on a loaded machine.
            try await withThrowingTaskGroup(of: (HTTPResponse.Status, UInt64, Bool).self) { group in
                var outcomes: [(HTTPResponse.Status, UInt64, Bool)] = []
                for index in 0..<200 {
                    if index >= 8, let outcome = try await group.next() { outcomes.append(outcome) }
                    group.addTask {
                        let bytes = Array("push \(index) ".utf8) + Array(repeating: UInt8(index % 251), count: 1024 - "push \(index) ".utf8.count)
                        return try await client.execute(
                            uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(bytes))", method: .post, body: ByteBuffer(bytes: bytes)
                        ) { response in
                            (
                                response.status, response.header("Aegis-Gas-Used").flatMap { UInt64($0) } ?? .max,
                                String(buffer: response.body).contains("budget_exhausted")
                            )
                        }
                    }
                }
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
        }
        let created = outcomes.filter { $0.0 == .created }
        #expect(created.count == 100)
        #expect(outcomes.filter { $0.0 == .forbidden && $0.2 }.count == 100)
        let headerTotal = outcomes.reduce(UInt64(0)) { $0 + $1.1 }
        #expect(headerTotal == budget)
        let storage = try await AegisStorage.open(registry.configuration)
        let ledger = try await storage.metadata.gasUsed(by: TenantID("acme"), since: .distantPast)
        let rows = try await storage.metadata.charges(of: TenantID("acme"), from: .distantPast, to: .distantFuture).count
        #expect(ledger == headerTotal)
        #expect(ledger <= budget)
        #expect(rows == 200)
        try storage.metadata.close()
    }
}
