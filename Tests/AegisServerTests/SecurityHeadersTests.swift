import HTTPTypes
import Testing

@testable import AegisServer

@Suite struct SecurityHeadersTests {
    @Test(arguments: [
        ("/v2/acme/app/blobs/sha256:0123", HTTPResponse.Status.ok, true),
        ("/v2/acme/app/blobs/sha256:0123", .temporaryRedirect, true),
        ("/v2/acme/blobs/blobs/sha512:ab", .partialContent, true),
        ("/v2/acme/app/blobs/sha256:0123", .notFound, false),
        ("/v2/acme/app/blobs/uploads/5f0c", .accepted, false),
        ("/v2/acme/blobs/manifests/sha256:0123", .ok, false),
        ("/v2/acme/app/manifests/v1", .ok, false),
        ("/apps/acme/site/index.html", .ok, true),
        ("/api/v1/me", .ok, false),
    ])
    func onlyBlobBytesAndAppPagesAreLeftAsTheyAre(path: String, status: HTTPResponse.Status, isContent: Bool) {
        #expect(SecurityHeadersMiddleware.isContent(path, status: status) == isContent)
    }
}
