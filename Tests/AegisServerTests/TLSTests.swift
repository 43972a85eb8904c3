import AegisAuth
import AegisConfig
import AegisCore
import AegisOperations
import AegisServer
import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

/// TLS, HTTP/2 and mutual TLS on a live server, with certificates from `scripts/tls-certs.sh`.
@Suite(.enabled(if: TestCertificates.directory != nil, "needs openssl for the test certificates"))
struct TLSTests {
    /// A registry serving TLS with the test server certificate; `change` adjusts the settings.
    func withTLSRegistry(
        _ change: (inout AegisConfiguration) throws -> Void = { _ in },
        prepare: @escaping @Sendable (AegisStorage, Operations) async throws -> Void = { _, _ in },
        _ body: @Sendable (_ base: String) async throws -> Void
    ) async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.tls.certificateFile = try TestCertificates.path("server.pem")
        registry.configuration.tls.keyFile = try TestCertificates.path("server.key")
        registry.configuration.auth.credentialCacheSeconds = 0
        try change(&registry.configuration)
        try await registry.run(.ahc(.https), as: nil, prepare: prepare) { client in
            try await body("https://127.0.0.1:\(try #require(client.port))")
        }
    }

    @discardableResult
    func withClient<T>(_ client: HTTPClient, _ body: (HTTPClient) async throws -> T) async throws -> T {
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func get(_ client: HTTPClient, _ url: String, authorization: String? = nil) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: url)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (response, String(buffer: body))
    }

    static let adminBasic = "Basic " + Data("\(TestRegistry.admin.user):\(TestRegistry.admin.password)".utf8).base64EncodedString()

    @Test func speaksHTTP2AndHTTP1WithStrictTransportSecurity() async throws {
        try await withTLSRegistry { base in
            for http1Only in [false, true] {
                try await withClient(try TestCertificates.httpClient(http1Only: http1Only)) { client in
                    let (response, body) = try await get(client, base + "/v2/")
                    #expect(response.version == (http1Only ? .http1_1 : .http2))
                    #expect(response.status == .unauthorized)
                    #expect(body.contains(#""code":"UNAUTHORIZED""#))
                    #expect(response.headers.first(name: "WWW-Authenticate")?.contains(#"realm="https://127.0.0.1:"#) == true)
                    #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")
                    #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                    #expect(response.headers.first(name: "Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
                    let (authorized, _) = try await get(client, base + "/v2/", authorization: Self.adminBasic)
                    #expect(authorized.status == .ok)
                }
            }
        }
    }

    @Test func aBlobIsPushedAndPulledOverHTTP2() async throws {
        try await withTLSRegistry { base in
            try await withClient(try TestCertificates.httpClient()) { client in
                let bytes = randomBytes(3 * 1024 * 1024 + 17)
                let digest = sha256(bytes)
                var post = HTTPClientRequest(url: base + "/v2/acme/app/blobs/uploads/?digest=\(digest)")
                post.method = .POST
                post.headers.add(name: "Authorization", value: Self.adminBasic)
                post.headers.add(name: "Content-Type", value: "application/octet-stream")
                post.body = .bytes(ByteBuffer(bytes: bytes))
                let pushed = try await client.execute(post, timeout: .seconds(30))
                _ = try await pushed.body.collect(upTo: 1 << 20)
                #expect(pushed.status == .created && pushed.version == .http2)
                let (pulled, _) = try await get(client, base + "/v2/acme/app/blobs/\(digest)", authorization: Self.adminBasic)
                #expect(pulled.status == .ok)
                #expect(pulled.headers.first(name: "Docker-Content-Digest") == digest)
                // Blob bytes are the pusher's content: no page policy on them, HSTS as everywhere.
                #expect(pulled.headers.first(name: "Content-Security-Policy") == nil)
                #expect(pulled.headers.first(name: "Strict-Transport-Security") != nil)
                var request = HTTPClientRequest(url: base + "/v2/acme/app/blobs/\(digest)")
                request.headers.add(name: "Authorization", value: Self.adminBasic)
                let body = try await client.execute(request, timeout: .seconds(30)).body.collect(upTo: 8 << 20)
                #expect(sha256(Array(buffer: body)) == digest)
            }
        }
    }

    /// HTTP/2 sends what HTTP/1's encoder dropped: a HEAD answer must carry no body, and an error
    /// must not end the connection (both broke the stream or the connection before).
    @Test func headErrorsAndRefusedBodiesKeepTheHTTP2ConnectionServing() async throws {
        try await withTLSRegistry { base in
            try await withClient(try TestCertificates.httpClient()) { client in
                var head = HTTPClientRequest(url: base + "/v2/acme/app/manifests/nope")
                head.method = .HEAD
                head.headers.add(name: "Authorization", value: Self.adminBasic)
                let answer = try await client.execute(head, timeout: .seconds(15))
                #expect(answer.status == .notFound && answer.version == .http2)
                #expect(try await answer.body.collect(upTo: 1 << 16).readableBytes == 0)
                #expect(Int(answer.headers.first(name: "Content-Length") ?? "") ?? 0 > 0)
                // A refused upload with a large body: the stream ends, the connection goes on.
                var post = HTTPClientRequest(url: base + "/v2/acme/app/blobs/uploads/?digest=sha256:" + String(repeating: "0", count: 64))
                post.method = .POST
                post.headers.add(name: "Authorization", value: Self.adminBasic)
                post.body = .bytes(ByteBuffer(bytes: randomBytes(256 * 1024)))
                let refused = try await client.execute(post, timeout: .seconds(15))
                #expect(refused.status == .badRequest && refused.headers.first(name: "Connection") == nil)
                let (after, _) = try await get(client, base + "/v2/", authorization: Self.adminBasic)
                #expect(after.status == .ok)
            }
        }
    }

    @Test(arguments: [false, true])
    func aClientCertificateAuthenticatesAsTheRobotBoundToIt(http1Only: Bool) async throws {
        try await withTLSRegistry { configuration in
            configuration.tls.clientCAFile = try TestCertificates.path("ca.pem")
        } prepare: { _, operations in
            // Bound by subject: the test certificate is CN=ci,O=AegisGuard Test.
            _ = try await operations.robots.create(
                "by-subject", in: TenantID("acme"), role: .reader, expiresInDays: nil, certificateIdentity: "cn=ci, o=AegisGuard Test",
                Caller.localOperator())
        } _: { base in
            try await withClient(try TestCertificates.httpClient(presenting: "client", http1Only: http1Only)) { client in
                var (response, body) = try await get(client, base + "/api/v1/me")
                #expect(response.version == (http1Only ? .http1_1 : .http2))
                #expect(response.status == .ok && body.contains(#""name":"robot$acme+by-subject""#))
                (response, _) = try await get(client, base + "/v2/")
                #expect(response.status == .ok)
                // A robot bound to the SPIFFE ID wins over the subject.
                var create = HTTPClientRequest(url: base + "/api/v1/tenants/acme/robots")
                create.method = .POST
                create.headers.add(name: "Authorization", value: Self.adminBasic)
                create.headers.add(name: "Content-Type", value: "application/json")
                create.body = .bytes(
                    ByteBuffer(string: #"{"name":"ci","role":"developer","certificateIdentity":"spiffe://aegis.test/ci"}"#))
                let created = try await client.execute(create, timeout: .seconds(15))
                #expect(created.status == .created)
                #expect(String(buffer: try await created.body.collect(upTo: 1 << 16)).contains(#""certificateIdentity":"spiffe://aegis.test/ci""#))
                (response, body) = try await get(client, base + "/api/v1/me")
                #expect(body.contains(#""name":"robot$acme+ci""#) && body.contains(#""acme":"developer""#))
                // The robot pushes with no credentials but its certificate.
                var post = HTTPClientRequest(url: base + "/v2/acme/app/blobs/uploads/")
                post.method = .POST
                (response, _) = (try await client.execute(post, timeout: .seconds(15)), "")
                #expect(response.status == .accepted)
                // A token for the robot, from the certificate alone.
                (response, body) = try await get(client, base + "/token?service=aegisguard&scope=repository:acme/app:pull")
                #expect(response.status == .ok && body.contains(#""scope":"repository:acme/app:pull""#))
                // Revoked: the certificate still verifies, the robot is refused.
                var revoke = HTTPClientRequest(url: base + "/api/v1/tenants/acme/robots/ci")
                revoke.method = .DELETE
                revoke.headers.add(name: "Authorization", value: Self.adminBasic)
                #expect(try await client.execute(revoke, timeout: .seconds(15)).status == .noContent)
                (response, body) = try await get(client, base + "/v2/")
                #expect(response.status == .unauthorized)
                #expect(body.contains(#""code":"UNAUTHORIZED""#) && body.contains("revoked"))
                // Credentials in the header still take precedence over the certificate.
                (response, body) = try await get(client, base + "/api/v1/me", authorization: Self.adminBasic)
                #expect(body.contains(#""name":"admin""#))
            }
            // Without a certificate (optional verification): an anonymous caller, challenged as usual.
            try await withClient(try TestCertificates.httpClient()) { client in
                let (response, _) = try await get(client, base + "/v2/")
                #expect(response.status == .unauthorized && response.headers.first(name: "WWW-Authenticate") != nil)
            }
        }
    }

    @Test func untrustedExpiredAndMissingCertificatesFailTheHandshake() async throws {
        try await withTLSRegistry { configuration in
            configuration.tls.clientCAFile = try TestCertificates.path("ca.pem")
            configuration.tls.requireClientCertificate = true
        } prepare: { _, operations in
            _ = try await operations.robots.create(
                "ci", in: TenantID("acme"), role: .reader, expiresInDays: nil, certificateIdentity: "spiffe://aegis.test/ci",
                Caller.localOperator())
        } _: { base in
            for client in [nil, "other-client", "expired-client"] {
                try await withClient(try TestCertificates.httpClient(presenting: client, http1Only: true)) { http in
                    await #expect(throws: (any Error).self, "client certificate \(client ?? "none")") {
                        _ = try await get(http, base + "/v2/")
                    }
                }
            }
            try await withClient(try TestCertificates.httpClient(presenting: "client")) { client in
                let (response, _) = try await get(client, base + "/v2/")
                #expect(response.status == .ok)
            }
        }
    }

    @Test func aRenewedCertificateIsServedWithoutARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = (directory.appendingPathComponent("tls.pem"), directory.appendingPathComponent("tls.key"))
        @Sendable func install(_ name: String) throws {
            // As renewal tools do: write beside, then rename over.
            for (source, target) in [("\(name).pem", certificate), ("\(name).key", key)] {
                let staged = target.appendingPathExtension("new")
                try Data(contentsOf: URL(fileURLWithPath: try TestCertificates.path(source))).write(to: staged)
                guard rename(staged.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            }
        }
        try install("server")
        try await withTLSRegistry { configuration in
            configuration.tls.certificateFile = certificate.path
            configuration.tls.keyFile = key.path
            configuration.tls.reloadCheckSeconds = 1
        } _: { base in
            // Only the second certificate's CA: refused until it is served.
            try await withClient(try TestCertificates.httpClient(trusting: "other-ca.pem")) { client in
                await #expect(throws: (any Error).self) { _ = try await get(client, base + "/v2/") }
            }
            try install("server2")
            var served = false
            for _ in 0..<50 where !served {
                try await Task.sleep(for: .milliseconds(200))
                served = try await withClient(try TestCertificates.httpClient(trusting: "other-ca.pem")) { client in
                    (try? await get(client, base + "/v2/").0.status) == .unauthorized
                }
            }
            #expect(served, "the renewed certificate was not served within 10 s")
            // A half-written pair is not loaded: the renewed one stays.
            try Data("not a certificate".utf8).write(to: certificate)
            try await Task.sleep(for: .milliseconds(1500))
            try await withClient(try TestCertificates.httpClient(trusting: "other-ca.pem")) { client in
                let (response, _) = try await get(client, base + "/v2/")
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func aKeyThatDoesNotMatchTheCertificateStopsTheStart() async throws {
        var registry = try TestRegistry()
        defer { registry.remove() }
        registry.configuration.tls.certificateFile = try TestCertificates.path("server.pem")
        registry.configuration.tls.keyFile = try TestCertificates.path("client.key")
        await #expect {
            try await registry.run(.ahc(.https), as: nil) { _ in }
        } throws: { "\($0)".contains("does not match the certificate") }
    }
}
