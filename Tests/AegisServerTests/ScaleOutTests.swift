import AegisConfig
import AegisCore
import AegisGas
import AegisOperations
import AegisRegistry
import AegisServer
import AegisStore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The test PostgreSQL and S3 (`scripts/test` starts both), for nodes that share them.
private let sharedStores: (postgres: String, s3: String)? = {
    let environment = ProcessInfo.processInfo.environment
    guard let postgres = environment["AEGIS_TEST_POSTGRES_URL"], !postgres.isEmpty, let s3 = environment["AEGIS_TEST_S3_URL"],
        !s3.isEmpty
    else { return nil }
    return (postgres, s3)
}()

/// Several registries on one PostgreSQL and one S3 bucket, as nodes behind one address.
@Suite(.enabled(if: sharedStores != nil, "needs AEGIS_TEST_POSTGRES_URL and AEGIS_TEST_S3_URL"))
struct ScaleOutTests {
    /// `count` nodes on a fresh schema and a fresh key prefix.
    func withNodes(
        _ count: Int, _ setup: TestingSetup = .live, redirect: Bool = false,
        prepare: @escaping @Sendable (AegisStorage, Operations) async throws -> Void = { _, _ in },
        _ body: @Sendable ([any TestClientProtocol]) async throws -> Void
    ) async throws {
        let stores = try #require(sharedStores)
        let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var s3 = try #require(URLComponents(string: stores.s3))
        s3.path += "/\(tag)"
        var nodes: [TestRegistry] = []
        for _ in 0..<count {
            var node = try TestRegistry()
            node.configuration.metadataURL = stores.postgres + "?schema=t_\(tag)&pool_size=4"
            node.configuration.blobsURL = s3.string
            node.configuration.blobsPartSizeBytes = 5 * 1024 * 1024
            node.configuration.blobsRedirect = redirect
            nodes.append(node)
        }
        defer { for node in nodes { node.remove() } }
        let registries = nodes
        @Sendable func run(_ index: Int, _ clients: [any TestClientProtocol]) async throws {
            guard index < registries.count else { return try await body(clients) }
            try await registries[index].run(setup, prepare: index == 0 ? prepare : { _, _ in }) { client in
                try await run(index + 1, clients + [client])
            }
        }
        try await run(0, [])
    }

    func withTwoNodes(
        redirect: Bool = false, _ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withNodes(2, redirect: redirect) { nodes in try await body(nodes[0], nodes[1]) }
    }

    /// POST on node A, a chunk on B, a chunk on C, the PUT on C, GETs from A and B: one upload
    /// whose bytes (more than a part) and state live only in the shared stores.
    @Test func anUploadSpansThreeNodes() async throws {
        try await withNodes(3) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            let bytes = randomBytes(7 * 1024 * 1024)
            let digest = sha256(bytes)
            let half = bytes.count / 2
            var location = try await a.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            for (node, range) in [(b, 0..<half), (c, half..<(bytes.count - 10))] {
                location = try await node.execute(
                    uri: location, method: .patch,
                    headers: [.contentRange: "\(range.lowerBound)-\(range.upperBound - 1)", .contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: bytes[range])
                ) { response throws in
                    #expect(response.status == .accepted)
                    #expect(response.header("Range") == "0-\(range.upperBound - 1)")
                    return try #require(response.header("Location"))
                }
            }
            try await a.execute(uri: location, method: .get) { response throws in
                #expect(response.header("Range") == "0-\(bytes.count - 11)")
            }
            try await c.execute(
                uri: "\(location)?digest=\(digest)", method: .put, headers: [.contentRange: "\(bytes.count - 10)-\(bytes.count - 1)"],
                body: ByteBuffer(bytes: bytes[(bytes.count - 10)...])
            ) { response throws in
                #expect(response.status == .created)
            }
            try await a.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.bodyBytes == bytes)
            }
            try await b.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get, headers: [.range: "bytes=10-19"]) { response throws in
                #expect(response.status == .partialContent)
                #expect(response.bodyBytes == Array(bytes[10...19]))
            }
        }
    }

    /// The signing keys live in the shared store: a token node A issued is accepted by B and C,
    /// which publish the same key set.
    @Test func aTokenFromOneNodeIsAcceptedByTheOthers() async throws {
        try await withNodes(3) { nodes in
            let token = try await nodes[0].execute(
                uri: "/token?service=aegisguard&scope=repository:acme/app:pull,push", method: .get
            ) { response throws in
                #expect(response.status == .ok)
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                return try #require(document?["token"] as? String)
            }
            var keySets: [String] = []
            for node in nodes {
                try await node.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post, headers: [.authorization: "Bearer \(token)"]) {
                    #expect($0.status == .accepted)
                }
                try await node.execute(uri: "/v2/acme/other/tags/list", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                    #expect($0.status == .unauthorized)
                }
                keySets.append(try await node.execute(uri: "/.well-known/jwks.json", method: .get) { String(buffer: $0.body) })
            }
            #expect(Set(keySets).count == 1)
        }
    }

    /// 200 concurrent pushes spread over two nodes against a budget for 100: exactly 100 succeed,
    /// as on one node, because the balance is reserved in PostgreSQL.
    @Test func aBudgetHoldsExactlyAcrossNodes() async throws {
        let perPush = GasSchedule.standard.intrinsic(.uploadFinish) + GasSchedule.standard.ingress(bytes: 1024)
        let budget = perPush * 100
        let statuses = Mutex<[HTTPResponse.Status]>([])
        try await withNodes(2, .ahc(.http), prepare: { storage, _ in try await storage.metadata.setGasBudget(budget, of: TenantID("acme")) }) {
            nodes in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<200 {
                    if index >= 16, let status = try await group.next() { statuses.withLock { $0.append(status) } }
                    group.addTask {
                        let bytes = Array("push \(index) ".utf8) + Array(repeating: UInt8(index % 251), count: 1024 - "push \(index) ".utf8.count)
                        return try await nodes[index % 2].execute(
                            uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(bytes))", method: .post, body: ByteBuffer(bytes: bytes)
                        ) { $0.status }
                    }
                }
                for try await status in group { statuses.withLock { $0.append(status) } }
            }
        }
        let outcomes = statuses.withLock { $0 }
        #expect(outcomes.count == 200)
        #expect(outcomes.filter { $0 != .created && $0 != .forbidden } == [])
        #expect(outcomes.filter { $0 == .created }.count == 100)
        #expect(outcomes.filter { $0 == .forbidden }.count == 100)
    }

    /// fsck next to a running node: a shared balance that agrees with the ledger is clean; one
    /// moved behind the ledger's back is found and brought back by `--repair`; a reservation
    /// nothing settles is reported and left alone.
    @Test func fsckReconcilesSharedGasBalancesWithTheLedger() async throws {
        let acme = try TenantID("acme")
        let stash = Mutex<AegisStorage?>(nil)
        try await withNodes(
            1,
            prepare: { storage, _ in
                try await storage.metadata.setGasBudget(10_000_000, of: acme)
                stash.withLock { $0 = storage }
            }
        ) { nodes in
            for index in 0..<5 {
                let bytes = Array("gas \(index)".utf8)
                try await nodes[0].execute(uri: "/v2/acme/app/blobs/uploads/?digest=\(sha256(bytes))", method: .post, body: ByteBuffer(bytes: bytes))
                {
                    #expect($0.status == .created)
                }
            }
            let storage = try #require(stash.withLock { $0 })
            let store = storage.metadata
            let period = GasAccounts.period(of: Date())
            let registry = GarbageCollectionTests.registry(of: storage)
            func gasProblems(repair: Bool = false) async throws -> [CheckReport.Problem] {
                try await registry.check(deep: false, repair: repair, gasPeriod: period, settle: .milliseconds(300)).problems
                    .filter { $0.kind.hasPrefix("gas_") }
            }
            // Both sides trail the requests by a batch; wait (bounded) until they meet.
            var agreed = false
            for _ in 0..<50 where !agreed {
                let balance = try await store.gasBalance(of: acme, period: period)
                let ledger = try await store.gasUsed(by: acme, since: period)
                agreed = balance.map { $0.used == ledger && $0.reserved == 0 && ledger > 0 } ?? false
                if !agreed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(agreed)
            #expect(try await gasProblems() == [])

            try await store.adjustGasBalance(of: acme, period: period, by: 1234)
            let found = try await gasProblems()
            #expect(found.map(\.kind) == ["gas_balance"])
            #expect(found.first?.subject == "tenant:acme")
            #expect(found.first?.repaired == false)
            let repaired = try await gasProblems(repair: true)
            #expect(repaired.map(\.repaired) == [true])
            #expect(try await gasProblems() == [])
            #expect(try await store.gasBalance(of: acme, period: period)?.used == store.gasUsed(by: acme, since: period))

            _ = try await store.reserveGas(500, of: acme, period: period, budget: .max)
            let stuck = try await gasProblems(repair: true)
            #expect(stuck.map(\.kind) == ["gas_reserved"])
            #expect(stuck.first?.repaired == false)
            #expect(try await store.gasBalance(of: acme, period: period)?.reserved == 500)
        }
    }

    /// A node that never saw the upload's bytes verifies the digest at the PUT: a wrong one is
    /// DIGEST_INVALID and the upload is gone.
    @Test func aWrongDigestIsCaughtWithoutTheHashState() async throws {
        try await withTwoNodes { a, b in
            let bytes = randomBytes(100_000)
            let location = try await a.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            try await a.execute(uri: location, method: .patch, body: ByteBuffer(bytes: bytes)) { #expect($0.status == .accepted) }
            try await b.execute(uri: "\(location)?digest=\(sha256(Array("other".utf8)))", method: .put) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "DIGEST_INVALID")
            }
            try await a.execute(uri: location, method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
        }
    }

    /// With `blobs.redirect`, a blob GET is a 307 to a presigned URL that serves the bytes, and
    /// ranges of them, without credentials; HEAD still answers here.
    @Test(.redirectsUnfollowed) func blobGetsRedirectToPresignedURLs() async throws {
        try await withTwoNodes(redirect: true) { a, b in
            let bytes = randomBytes(20_000)
            let digest = sha256(bytes)
            try await a.execute(uri: "/v2/acme/app/blobs/uploads/?digest=\(digest)", method: .post, body: ByteBuffer(bytes: bytes)) {
                #expect($0.status == .created)
            }
            try await b.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .head) { response throws in
                #expect(response.status == .ok && response.header("Content-Length") == "20000")
            }
            let url = try await b.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .temporaryRedirect)
                return try #require(response.header("Location"))
            }
            #expect(url.contains("X-Amz-Signature="))
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Range", value: "bytes=100-199")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 206)
            #expect(Array(buffer: try await response.body.collect(upTo: 1 << 20)) == Array(bytes[100...199]))
        }
    }
}
