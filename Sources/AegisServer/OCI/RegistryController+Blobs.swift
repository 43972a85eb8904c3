import AegisAuth
import AegisCore
import AegisOperations
import AegisRegistry
import AegisStore
import Foundation
import HTTPTypes
import Hummingbird

extension RegistryController {
    func getBlob(_ digest: Digest, in name: RepositoryName, request: Request, context: AegisRequestContext) async throws -> Response {
        let size = try await registry.blobSize(digest, in: name, renewingLease: request.method == .head)
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .dockerContentDigest: digest.description,
            .acceptRanges: "bytes",
            .eTag: "\"\(digest)\"",
            .cacheControl: "max-age=31536000",
        ]
        var status = HTTPResponse.Status.ok
        var range: ClosedRange<Int64>? = size > 0 ? 0...(size - 1) : nil
        if let header = request.headers[.range], let requested = try ByteRange(header: header, size: size) {
            range = requested.range
            status = .partialContent
            headers[.contentRange] = "bytes \(requested.range.lowerBound)-\(requested.range.upperBound)/\(size)"
        }
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? 0
        headers[.contentLength] = String(length)
        guard request.method != .head, let range else {
            return Response(status: status, headers: headers)
        }
        try chargeEgress(length, context: context)
        // The bytes still leave on the tenant's account: only the node is spared sending them.
        if redirectsBlobs, let url = try await registry.blobDownloadURL(digest, expiresIn: .seconds(1200)) {
            return Response(
                status: .temporaryRedirect,
                headers: [.location: url, .dockerContentDigest: digest.description, .contentLength: "0", .cacheControl: "no-store"])
        }
        let registry = self.registry
        let body = ResponseBody(contentLength: Int(length)) { writer in
            try await registry.readBlob(digest, range: range) { chunk in try await writer.write(chunk) }
            // The end of the response: HTTP/1 ends it by the length as well, HTTP/2 only by this.
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    func postUpload(in name: RepositoryName, access: Access, request: Request, context: AegisRequestContext) async throws -> Response {
        if let mount = request.query("mount") {
            let digest = try Digest(parsing: mount)
            let source = try request.query("from").map { try RepositoryName($0) }
            // A source the caller may not read is treated as not having the blob.
            if try await access.mayMount(from: source, into: name.tenant), try await registry.mount(digest, into: name, from: source) != nil {
                return blobCreated(digest, in: name)
            }
            // Not mountable: answer as the spec asks, with a fresh session.
        } else if let text = request.query("digest") {
            let digest = try Digest(parsing: text)
            _ = try await registry.uploadBlob(
                to: name, digest: digest, contentLength: request.contentLength, body: meteredBody(request, context: context))
            return blobCreated(digest, in: name)
        }
        var algorithm = DigestAlgorithm.sha256
        if let text = request.query("digest-algorithm") {
            guard let requested = DigestAlgorithm(rawValue: text) else {
                throw RegistryError(.unsupportedParameter, "digest algorithm '\(text)' is not supported (sha256, sha512)")
            }
            algorithm = requested
        }
        let session = try await registry.startUpload(in: name, algorithm: algorithm)
        return Response(status: .accepted, headers: uploadHeaders(session, in: name))
    }

    func patchUpload(_ id: UploadID, in name: RepositoryName, request: Request, context: AegisRequestContext) async throws -> Response {
        let range = try request.headers[.contentRange].map { try ChunkRange(parsing: $0) }
        let session = try await registry.appendChunk(
            to: id, in: name, range: range, contentLength: request.contentLength, body: meteredBody(request, context: context))
        return Response(status: .accepted, headers: uploadHeaders(session, in: name))
    }

    func putUpload(_ id: UploadID, in name: RepositoryName, request: Request, context: AegisRequestContext) async throws -> Response {
        guard let text = request.query("digest") else {
            throw RegistryError(.digestInvalid, "the digest query parameter is required to close an upload")
        }
        let digest = try Digest(parsing: text)
        let range = try request.headers[.contentRange].map { try ChunkRange(parsing: $0) }
        _ = try await registry.finishUpload(
            id, in: name, digest: digest, range: range, contentLength: request.contentLength, body: meteredBody(request, context: context))
        return blobCreated(digest, in: name)
    }

    func uploadHeaders(_ session: UploadSession, in name: RepositoryName) -> HTTPFields {
        [
            .location: "/v2/\(name)/blobs/uploads/\(session.id)",
            .range: "0-\(max(session.size - 1, 0))",
            .dockerUploadUUID: session.id.value,
            .contentLength: "0",
        ]
    }

    func blobCreated(_ digest: Digest, in name: RepositoryName) -> Response {
        Response(
            status: .created,
            headers: [
                .location: "/v2/\(name)/blobs/\(digest)", .dockerContentDigest: digest.description, .contentLength: "0",
            ])
    }
}

/// A single `Range: bytes=…` request against a blob of known size.
struct ByteRange {
    let range: ClosedRange<Int64>

    /// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n`. Returns nil for forms served in full
    /// (several ranges, other units).
    /// - Throws: `RANGE_INVALID` (416) when the range cannot be satisfied.
    init?(header: String, size: Int64) throws {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw Self.unsatisfiable(size) }
        let first = Int64(parts[0])
        let second = Int64(parts[1])
        switch (parts[0].isEmpty, parts[1].isEmpty) {
        case (false, false):
            guard let start = first, let end = second, start <= end, start < size else { throw Self.unsatisfiable(size) }
            range = start...min(end, size - 1)
        case (false, true):
            guard let start = first, start < size else { throw Self.unsatisfiable(size) }
            range = start...(size - 1)
        case (true, false):
            guard let suffix = second, suffix > 0, size > 0 else { throw Self.unsatisfiable(size) }
            range = max(0, size - suffix)...(size - 1)
        case (true, true):
            throw Self.unsatisfiable(size)
        }
    }

    static func unsatisfiable(_ size: Int64) -> RegistryError {
        RegistryError(.rangeInvalid, "requested range not satisfiable", detail: ["size": String(size)])
    }
}
