import AegisCore
import AegisRegistry
import AegisServer
import AegisStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Requests no well-behaved client sends (issue: hardening from adversarial testing): each is the
/// client's error, answered at once in the surface's error shape, never a 5xx or a hang.
@Suite struct HardeningTests {
    let admin = basic(TestRegistry.admin.user, TestRegistry.admin.password)

    private func ociCode(_ exchange: RawExchange) -> String? {
        struct Document: Decodable {
            struct Entry: Decodable { var code: String }
            var errors: [Entry]
        }
        return (try? JSONDecoder().decode(Document.self, from: Data(exchange.body.utf8)))?.errors.first?.code
    }

    private func openUpload(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
    }

    @Test(.plainHTTP1, arguments: ["zz", "-1", "ffffffffffffffffffffffff"])
    func malformedChunkSizeIs400AndEndsTheConnection(size: String) async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let location = try await openUpload(client)
            let exchange = try await rawExchange(
                port: port,
                "PATCH \(location) HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nabc\r\n0\r\n\r\n"
            )
            #expect(exchange.status == 400)
            #expect(ociCode(exchange) == "BLOB_UPLOAD_INVALID")
            #expect(exchange.header("Aegis-Gas-Used") != nil)
            #expect(exchange.header("Connection") == "close")
            #expect(exchange.closedByServer)
            #expect(exchange.responseCount == 1)
            // The session is untouched and still usable.
            try await client.execute(uri: location, method: .get) { #expect($0.status == .noContent) }
        }
    }

    @Test(.plainHTTP1) func malformedChunkedManifestIsManifestInvalid() async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port,
                "PUT /v2/acme/app/manifests/v1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\n"
                    + "Content-Type: \(MediaType.ociManifest)\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
            #expect(exchange.status == 400)
            #expect(ociCode(exchange) == "MANIFEST_INVALID")
            #expect(exchange.closedByServer)
        }
    }

    @Test(.plainHTTP1, arguments: ["gzip", "identity"])
    func unsupportedTransferCodingIs400(coding: String) async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let location = try await openUpload(client)
            let exchange = try await rawExchange(
                port: port, "PATCH \(location) HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\nTransfer-Encoding: \(coding)\r\n\r\nabc")
            #expect(exchange.status == 400)
            #expect(ociCode(exchange) == "BLOB_UPLOAD_INVALID")
            #expect(exchange.closedByServer)
        }
    }

    @Test(.plainHTTP1, arguments: ["9223372036854775807", "9223372036854775808", "18446744073709551615"])
    func declaredLengthBeyondAnyLimitIs413AtOnce(length: String) async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port,
                "PUT /v2/acme/app/manifests/x HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\n"
                    + "Content-Type: \(MediaType.ociManifest)\r\nContent-Length: \(length)\r\n\r\n{")
            #expect(exchange.status == 413)
            #expect(ociCode(exchange) == "SIZE_INVALID")
            // Answered and closed without waiting for the body (which never comes).
            #expect(exchange.closedByServer)
        }
    }

    @Test(.plainHTTP1) func apiBodyLimitIsCheckedAgainstTheDeclaredLength() async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port,
                "POST /api/v1/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n{")
            #expect(exchange.status == 413)
            #expect(exchange.header("Content-Type") == "application/problem+json")
            #expect(exchange.body.contains("\"status\":413"))
            #expect(exchange.closedByServer)
        }
    }

    @Test(.plainHTTP1, arguments: ["TRACE", "PROPFIND", "PATCH"])
    func unknownMethodsOnV2Are405WithAllowAndAnOCIBody(method: String) async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port, "\(method) /v2/acme/app/manifests/v1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(exchange.status == 405)
            #expect(exchange.header("Allow") == "GET, HEAD, PUT, DELETE")
            #expect(ociCode(exchange) == "UNSUPPORTED")
        }
    }

    @Test(.plainHTTP1) func optionsNamesTheAllowedMethods() async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port, "OPTIONS /v2/acme/app/blobs/uploads/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(exchange.status == 204)
            #expect(exchange.header("Allow") == "POST")
            let unknown = try await rawExchange(port: port, "OPTIONS /v2/acme/app/nothing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(unknown.status == 404)
            #expect(ociCode(unknown) == "UNSUPPORTED")
        }
    }

    @Test(.plainHTTP1) func connectIs405WithAllowAndEndsTheConnection() async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            for (path, allow) in [("/v2/acme/app/manifests/v1", "GET, HEAD, PUT, DELETE"), ("/api/v1/me", "GET, HEAD")] {
                let exchange = try await rawExchange(port: port, "CONNECT \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                #expect(exchange.status == 405)
                #expect(exchange.header("Allow") == allow)
                // swift-nio frames every answer to CONNECT without a body: the close delimits it.
                #expect(exchange.closedByServer)
            }
        }
    }

    @Test(arguments: [HTTPRequest.Method.put, .post, .patch, .delete])
    func writesOnTheBaseEndpointAre405(method: HTTPRequest.Method) async throws {
        try await withRegistry { client in
            try await client.execute(uri: "/v2/", method: method) { response throws in
                #expect(response.status == .methodNotAllowed)
                #expect(response.header("Allow") == "GET, HEAD")
                #expect(response.errorCode == "UNSUPPORTED")
            }
        }
    }

    @Test func headOfAListingAnswersItsHeaders() async throws {
        try await withRegistry { client in
            try await client.pushImage(to: "acme/app", tag: "v1")
            let length = try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { $0.header("Content-Length") }
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .head) { response throws in
                #expect(response.status == .ok)
                #expect(response.header("Content-Length") == length)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test(.plainHTTP1) func aRefusedLargeBodyIsNotReadToTheEnd() async throws {
        // An unauthenticated 50 MB chunk: refused at once, the connection ended, the body unread.
        try await withRegistry(as: nil) { client in
            let port = try #require(client.port)
            let exchange = try await rawExchange(
                port: port, "PATCH /v2/acme/app/blobs/uploads/\(UUID()) HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50000000\r\n\r\nabc")
            #expect(exchange.status == 401)
            #expect(exchange.closedByServer)
        }
    }

    /// Found by the fuzz suite: both crashed the server on an arithmetic overflow.
    @Test(.plainHTTP1) func chunkArithmeticCannotOverflow() async throws {
        try await withRegistry { client in
            let port = try #require(client.port)
            let location = try await openUpload(client)
            let range = try await rawExchange(
                port: port,
                "PATCH \(location) HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\nConnection: close\r\n"
                    + "Content-Range: 0-9223372036854775807\r\nContent-Length: 3\r\n\r\nabc")
            #expect(range.status == 416)
            #expect(ociCode(range) == "RANGE_INVALID")
            try await client.execute(uri: location, method: .patch, body: ByteBuffer(string: "abc")) { #expect($0.status == .accepted) }
            let length = try await rawExchange(
                port: port,
                "PATCH \(location) HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(admin)\r\nContent-Length: 9223372036854775807\r\n\r\nabc")
            #expect(length.status == 413)
            try await client.execute(uri: "/v2/", method: .get) { #expect($0.status == .ok) }
        }
    }
}

@Suite struct ChunkRangeTests {
    @Test(arguments: ["0-9223372036854775807", "5-9223372036854775807"])
    func aRangeEndingAtInt64MaxIsRefused(text: String) {
        #expect(throws: RegistryError.self) { try ChunkRange(parsing: text) }
    }

    @Test func theRegistryChecksTheDeclaredLengthWithoutOverflow() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let storage = try await AegisStorage.open(registry.configuration)
        defer { try? storage.metadata.close() }
        _ = try await storage.metadata.createTenant(TenantID("acme"))
        let core = Registry(metadata: storage.metadata, blobs: storage.blobs, logger: Logger(label: "test"))
        let name = try RepositoryName("acme/app")
        let session = try await core.startUpload(in: name)
        _ = try await core.appendChunk(to: session.id, in: name, range: nil, contentLength: 3, body: Chunks([ByteBuffer(string: "abc")]))
        await #expect {
            try await core.appendChunk(to: session.id, in: name, range: nil, contentLength: .max, body: Chunks([]))
        } throws: { ($0 as? RegistryError)?.code == .payloadTooLarge }
    }
}

/// The one mapping from registry error codes to HTTP statuses (the core has none).
@Suite struct RegistryErrorStatusTests {
    @Test func eachCodeHasItsStatus() {
        let expected: [(RegistryError.Code, Int)] = [
            (.blobUnknown, 404), (.blobUploadInvalid, 400), (.blobUploadUnknown, 404), (.digestInvalid, 400),
            (.manifestBlobUnknown, 400), (.manifestInvalid, 400), (.manifestUnknown, 404), (.nameInvalid, 400), (.nameUnknown, 404),
            (.sizeInvalid, 400), (.tagInvalid, 400), (.unauthorized, 401), (.denied, 403), (.unsupported, 405),
            (.unsupportedParameter, 400), (.tooManyRequests, 429), (.paginationNumberInvalid, 400), (.rangeInvalid, 416),
            (.payloadTooLarge, 413), (.tooManyTags, 414), (.unknown, 500), (.unavailable, 503),
        ]
        for (code, status) in expected {
            #expect(RegistryError(code, "").status.code == status, "\(code.name)")
        }
        // Codes that share an OCI code stay distinct.
        #expect(RegistryError.Code.payloadTooLarge != .sizeInvalid)
        #expect(RegistryError.Code.payloadTooLarge.rawValue == RegistryError.Code.sizeInvalid.rawValue)
    }
}
