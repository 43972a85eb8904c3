import AegisAuth
import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every `/v2` endpoint × {no credentials, another tenant's owner, a role too small, the right role}.
@Suite struct CrossTenantMatrixTests {
    struct Endpoint: Sendable {
        var name: String
        var method: HTTPRequest.Method
        var path: String
        var body: [UInt8]?
        var contentType: String?
        /// Who may do it, and what they get.
        var rightUser: String
        var success: HTTPResponse.Status
        /// A user of acme whose role is too small, when one exists (every role may pull).
        var tooSmall: String?
    }

    @Test func everyEndpointAnswersEachCallerExactlyAndLeaksNothingAcrossTenants() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        // Content the matrix works on, pushed by the administrator.
        let fixture = try await registry.run { client in
            let (manifest, digest) = try await client.pushImage(to: "acme/app", tag: "v1")
            _ = try await client.pushManifest(manifest, to: "acme/app", reference: "doomed")
            let blob = try await client.pushBlob(randomBytes(100), to: "acme/app")
            let doomedBlob = try await client.pushBlob(randomBytes(100), to: "acme/app")
            let upload = try await client.execute(uri: "/v2/acme/app/blobs/uploads/", method: .post) { try #require($0.header("Location")) }
            return (manifest: manifest, digest: digest, blob: blob, doomedBlob: doomedBlob, upload: upload)
        }
        let uploadID = try #require(fixture.upload.split(separator: "/").last)
        let endpoints: [Endpoint] = [
            Endpoint(name: "manifest GET", method: .get, path: "manifests/v1", rightUser: "rita", success: .ok),
            Endpoint(name: "manifest HEAD", method: .head, path: "manifests/\(fixture.digest)", rightUser: "rita", success: .ok),
            Endpoint(name: "blob GET", method: .get, path: "blobs/\(fixture.blob)", rightUser: "rita", success: .ok),
            Endpoint(name: "blob HEAD", method: .head, path: "blobs/\(fixture.blob)", rightUser: "rita", success: .ok),
            Endpoint(name: "tags list", method: .get, path: "tags/list", rightUser: "rita", success: .ok),
            Endpoint(name: "referrers", method: .get, path: "referrers/\(fixture.digest)", rightUser: "rita", success: .ok),
            Endpoint(name: "upload POST", method: .post, path: "blobs/uploads/", rightUser: "bob", success: .accepted, tooSmall: "rita"),
            Endpoint(name: "upload GET", method: .get, path: "blobs/uploads/\(uploadID)", rightUser: "bob", success: .noContent, tooSmall: "rita"),
            Endpoint(
                name: "upload PATCH", method: .patch, path: "blobs/uploads/\(uploadID)", body: [1, 2, 3], rightUser: "bob", success: .accepted,
                tooSmall: "rita"),
            Endpoint(
                name: "manifest PUT", method: .put, path: "manifests/v2", body: fixture.manifest, contentType: MediaType.ociManifest,
                rightUser: "bob", success: .created, tooSmall: "rita"),
            Endpoint(
                name: "upload DELETE", method: .delete, path: "blobs/uploads/\(uploadID)", rightUser: "bob", success: .noContent, tooSmall: "rita"),
            Endpoint(name: "tag DELETE", method: .delete, path: "manifests/doomed", rightUser: "alice", success: .accepted, tooSmall: "bob"),
            Endpoint(
                name: "blob DELETE", method: .delete, path: "blobs/\(fixture.doomedBlob)", rightUser: "alice", success: .accepted, tooSmall: "bob"),
        ]
        try await registry.run(as: nil, prepare: createTestUsers) { client in
            func call(_ endpoint: Endpoint, repository: String, as user: String?) async throws -> (HTTPResponse.Status, String?, String?) {
                var headers: HTTPFields = [:]
                if let user { headers[.authorization] = basic(user, testPassword) }
                if let contentType = endpoint.contentType { headers[.contentType] = contentType }
                return try await client.execute(
                    uri: "/v2/\(repository)/\(endpoint.path)", method: endpoint.method, headers: headers,
                    body: endpoint.body.map { ByteBuffer(bytes: $0) }
                ) { ($0.status, $0.errorCode, $0.header("WWW-Authenticate")) }
            }
            for endpoint in endpoints {
                let anonymous = try await call(endpoint, repository: "acme/app", as: nil)
                #expect(anonymous.0 == .unauthorized, "\(endpoint.name) without credentials")
                #expect(anonymous.2?.hasPrefix("Bearer realm=") == true, "\(endpoint.name) challenge")

                let foreign = try await call(endpoint, repository: "acme/app", as: "gina")
                let ghost = try await call(endpoint, repository: "acme/ghost", as: "gina")
                #expect(foreign.0 == .forbidden, "\(endpoint.name) from another tenant")
                #expect(foreign.1 == (endpoint.method == .head ? nil : "DENIED"), "\(endpoint.name) error code (HEAD has no body)")
                #expect(foreign.0 == ghost.0 && foreign.1 == ghost.1, "\(endpoint.name): another tenant cannot tell it exists")

                if let tooSmall = endpoint.tooSmall {
                    let refused = try await call(endpoint, repository: "acme/app", as: tooSmall)
                    #expect(refused.0 == .forbidden, "\(endpoint.name) as \(tooSmall)")
                    #expect(refused.1 == "DENIED")
                }
                let allowed = try await call(endpoint, repository: "acme/app", as: endpoint.rightUser)
                #expect(allowed.0 == endpoint.success, "\(endpoint.name) as \(endpoint.rightUser)")
            }
            // The catalog lists only what the caller may see.
            for (user, expected) in [("gina", [String]()), ("rita", ["acme/app"])] {
                try await client.execute(uri: "/v2/_catalog", method: .get, headers: [.authorization: basic(user, testPassword)]) {
                    response throws in
                    #expect(String(buffer: response.body) == #"{"repositories":\#(expected.isEmpty ? "[]" : "[\"acme/app\"]")}"#)
                }
            }
            try await client.execute(uri: "/v2/_catalog", method: .get) { #expect($0.status == .unauthorized) }
        }
    }
}
