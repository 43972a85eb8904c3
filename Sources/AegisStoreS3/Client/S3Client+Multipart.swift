import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension S3Client {
    /// The largest part number S3 accepts.
    public static let maximumPartNumber = 10_000

    /// The smallest size of every part but the last (5 MiB), below which `CompleteMultipartUpload`
    /// fails with `EntityTooSmall`.
    public static let minimumPartSize: Int64 = 5 * 1024 * 1024

    /// CreateMultipartUpload. Not retried: a repeated request would leave an upload behind that
    /// nothing knows the id of (this client never lists uploads).
    /// - Returns: The upload id.
    public func createMultipartUpload(_ key: String, contentType: String? = nil) async throws -> String {
        let operation = S3Operation(
            name: "CreateMultipartUpload", method: .POST, key: key, query: [.init("uploads")], headers: Self.headers(contentType),
            idempotent: false)
        return try await send(operation) { response in
            let result = try await Self.document(response, operation: operation.name)
            guard let id = result.value("UploadId"), !id.isEmpty else {
                throw S3Error(.malformedResponse, "CreateMultipartUpload answered without an UploadId")
            }
            return id
        }
    }

    /// UploadPart streaming `body`, which must yield exactly `length` bytes (never retried).
    /// - Returns: The part, with the ETag to pass to `completeMultipartUpload`.
    public func uploadPart(
        _ key: String, uploadID: String, partNumber: Int, body: some AsyncSequence<ByteBuffer, any Error> & Sendable, length: Int64
    ) async throws -> S3CompletedPart {
        try await uploadPart(key, uploadID: uploadID, partNumber: partNumber, body: .stream(.stream(body, length: .known(length))))
    }

    /// UploadPart with a body in memory (signed with its SHA-256, retried when transient).
    public func uploadPart(_ key: String, uploadID: String, partNumber: Int, bytes: ByteBuffer) async throws -> S3CompletedPart {
        try await uploadPart(key, uploadID: uploadID, partNumber: partNumber, body: .bytes(bytes))
    }

    private func uploadPart(_ key: String, uploadID: String, partNumber: Int, body: S3Operation.Body) async throws -> S3CompletedPart {
        guard (1...Self.maximumPartNumber).contains(partNumber) else {
            throw S3Error(.invalidArgument, "part number \(partNumber) is not between 1 and \(Self.maximumPartNumber)")
        }
        let operation = S3Operation(
            name: "UploadPart", method: .PUT, key: key, query: [.init("partNumber", String(partNumber)), .init("uploadId", uploadID)],
            body: body)
        return S3CompletedPart(number: partNumber, etag: try await put(operation))
    }

    /// CompleteMultipartUpload: joins `parts` (sorted here by number) into the object.
    ///
    /// S3 may answer 200 and still fail, with an `<Error>` in the body sent after a long wait; that
    /// is thrown like any other error. Retried when transient, as AWS advises; should a retry
    /// answer `NoSuchUpload`, an earlier attempt may have succeeded: `headObject` tells.
    /// - Returns: The ETag of the whole object.
    @discardableResult
    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [S3CompletedPart]) async throws -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XMLText.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/xml")
        let operation = S3Operation(
            name: "CompleteMultipartUpload", method: .POST, key: key, query: [.init("uploadId", uploadID)], headers: headers,
            body: .bytes(ByteBuffer(string: xml)))
        return try await send(operation) { response in
            let result = try await Self.document(response, operation: operation.name)
            return result.value("ETag") ?? ""
        }
    }

    /// AbortMultipartUpload: discards the upload and its parts. A missing upload is not an error.
    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        let operation = S3Operation(name: "AbortMultipartUpload", method: .DELETE, key: key, query: [.init("uploadId", uploadID)])
        do {
            try await send(operation) { _ in }
        } catch let error as S3Error where error.code == .noSuchUpload {
            return
        }
    }

    /// The largest XML answer read (a page of 1,000 listed keys is a few hundred KiB).
    static let maximumDocument = 8 * 1024 * 1024

    /// The root element of a successful answer's XML body.
    /// - Throws: the `S3Error` of an `<Error>` root, even in a 200; `malformedResponse` for anything unreadable.
    static func document(_ response: HTTPClientResponse, operation: String) async throws -> S3XMLElement {
        let body = try await response.body.collect(upTo: maximumDocument)
        let status = Int(response.status.code)
        if let error = S3Error(errorDocument: body, status: status) { throw error }
        do {
            return try S3XMLElement.parse(body)
        } catch var error as S3Error {
            error.message = "\(operation): \(error.message)"
            error.status = status
            throw error
        }
    }
}
