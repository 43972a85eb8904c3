import AegisAuth
import AegisCore
import AegisOperations
import AegisRegistry
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird

extension RegistryController {
    func getManifest(_ reference: Reference, in name: RepositoryName, head: Bool, context: AegisRequestContext) async throws -> Response {
        let manifest = try await registry.manifest(reference, in: name, pulled: !head)
        let headers: HTTPFields = [
            .contentType: manifest.mediaType,
            .dockerContentDigest: manifest.digest.description,
            .contentLength: String(manifest.size),
            .eTag: "\"\(manifest.digest)\"",
        ]
        if head { return Response(status: .ok, headers: headers) }
        try chargeEgress(manifest.size, context: context)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: manifest.content)))
    }

    func putManifest(_ reference: Reference, in name: RepositoryName, request: Request, context: AegisRequestContext) async throws -> Response {
        if let length = request.contentLength, length > registry.limits.maxManifestBytes {
            throw RegistryError(
                .payloadTooLarge, "manifest exceeds the limit of \(registry.limits.maxManifestBytes) bytes",
                detail: ["limit": String(registry.limits.maxManifestBytes)])
        }
        let pushed = try await registry.putManifest(
            in: name, reference: reference, extraTags: request.queryValues("tag"),
            contentType: request.headers[.contentType], body: meteredBody(request, context: context, malformed: .manifestInvalid))
        var headers: HTTPFields = [
            .location: "/v2/\(name)/manifests/\(pushed.digest)",
            .dockerContentDigest: pushed.digest.description,
            .contentLength: "0",
        ]
        if let subject = pushed.subject { headers[.ociSubject] = subject.description }
        for tag in pushed.tags { headers.append(HTTPField(name: .ociTag, value: tag.value)) }
        return Response(status: .created, headers: headers)
    }

    func tags(in name: RepositoryName, request: Request) async throws -> Response {
        let page = try await registry.tags(in: name, n: try pageNumber(request), last: request.query("last"))
        var headers = jsonHeaders
        if let next = page.next { headers[.link] = nextLink("/v2/\(name)/tags/list", n: page.pageSize, last: next) }
        return try json(TagList(name: name.value, tags: page.items), headers: headers)
    }

    func catalog(_ request: Request, access: Access) async throws -> Response {
        // Only repositories of tenants and grants where the caller may pull are listed.
        let visible = gate.access.catalogFilter(for: try await access.principal())
        let page = try await registry.catalog(n: try pageNumber(request), last: request.query("last"), visible: visible)
        var headers = jsonHeaders
        if let next = page.next { headers[.link] = nextLink("/v2/_catalog", n: page.pageSize, last: next) }
        return try json(Catalog(repositories: page.items), headers: headers)
    }

    func referrers(of digest: Digest, in name: RepositoryName, request: Request) async throws -> Response {
        let artifactType = request.query("artifactType").flatMap { $0.isEmpty ? nil : $0 }
        let page = try await registry.referrers(of: digest, in: name, artifactType: artifactType, last: request.query("last"))
        var headers: HTTPFields = [.contentType: MediaType.ociIndex]
        if artifactType != nil { headers[.ociFiltersApplied] = "artifactType" }
        if let next = page.next {
            var path = "/v2/\(name)/referrers/\(digest)?last=\(next)"
            if let artifactType { path += "&artifactType=\(Self.queryEscape(artifactType))" }
            headers[.link] = "<\(path)>; rel=\"next\""
        }
        return try json(ReferrersIndex(manifests: page.items), headers: headers)
    }

    private func pageNumber(_ request: Request) throws -> Int? {
        guard let text = request.query("n") else { return nil }
        guard let n = Int(text) else { throw RegistryError(.paginationNumberInvalid, "n must be an integer") }
        return n
    }

    private func nextLink(_ path: String, n: Int, last: String) -> String {
        "<\(path)?n=\(n)&last=\(Self.queryEscape(last))>; rel=\"next\""
    }

    static func queryEscape(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func json(_ value: some Encodable, headers: HTTPFields) throws -> Response {
        let data = try JSONEncoder.registry.encode(value)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

private struct TagList: Encodable {
    var name: String
    var tags: [String]
}

private struct Catalog: Encodable {
    var repositories: [String]
}

private struct ReferrersIndex: Encodable {
    var schemaVersion = 2
    var mediaType = MediaType.ociIndex
    var manifests: [Descriptor]
}
