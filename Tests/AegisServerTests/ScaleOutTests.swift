import AegisConfig
import AegisCore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
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
    /// Two nodes on a fresh schema and a fresh key prefix.
    func withTwoNodes(
        redirect: Bool = false, _ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
        let stores = try #require(sharedStores)
        let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var s3 = try #require(URLComponents(string: stores.s3))
        s3.path += "/\(tag)"
        var nodes = [try TestRegistry(), try TestRegistry()]
        for index in nodes.indices {
            nodes[index].configuration.metadataURL = stores.postgres + "?schema=t_\(tag)&pool_size=4"
            nodes[index].configuration.blobsURL = s3.string
            nodes[index].configuration.blobsPartSizeBytes = 5 * 1024 * 1024
            nodes[index].configuration.blobsRedirect = redirect
        }
        defer { for node in nodes { node.remove() } }
        let second = nodes[1]
        try await nodes[0].run { first in
            try await second.run { second in try await body(first, second) }
        }
    }

    /// POST on one node, a chunk on each, PUT on the first, GET from the second: one upload
    /// whose bytes (more than a part) and state live only in the shared stores.
    @Test func anUploadSpansNodes() async throws {
        try await withTwoNodes { a, b in
            let bytes = randomBytes(7 * 1024 * 1024)
            let digest = sha256(bytes)
            let half = bytes.count / 2
            var location = try await a.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            for (node, range) in [(b, 0..<half), (a, half..<(bytes.count - 10))] {
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
            try await b.execute(uri: location, method: .get) { response throws in
                #expect(response.header("Range") == "0-\(bytes.count - 11)")
            }
            try await a.execute(
                uri: "\(location)?digest=\(digest)", method: .put, headers: [.contentRange: "\(bytes.count - 10)-\(bytes.count - 1)"],
                body: ByteBuffer(bytes: bytes[(bytes.count - 10)...])
            ) { response throws in
                #expect(response.status == .created)
            }
            try await b.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.bodyBytes == bytes)
            }
            try await b.execute(uri: "/v2/acme/app/blobs/\(digest)", method: .get, headers: [.range: "bytes=10-19"]) { response throws in
                #expect(response.status == .partialContent)
                #expect(response.bodyBytes == Array(bytes[10...19]))
            }
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
    @Test func blobGetsRedirectToPresignedURLs() async throws {
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
