import Hummingbird
import NIOCore
import NIOHTTP1

extension Request {
    /// The declared `Content-Length`, if present (`RequestFramingMiddleware` has refused malformed ones).
    var contentLength: Int64? {
        headers[.contentLength].flatMap { Int64($0) }
    }

    /// Whether what may be left of the body is too much, or too broken, to read only to keep the
    /// connection: a transfer coding other than plain chunked, a malformed length, or a length
    /// above `cheap` bytes. (A broken chunked body is caught where it breaks: `CloseAfterErrorHandler`.)
    func bodyIsCostlyToDrain(cheap: Int64 = 64 * 1024) -> Bool {
        if let coding = headers[.transferEncoding] { return coding.lowercased() != "chunked" }
        guard headers[.contentLength] != nil else { return false }
        return contentLength.map { $0 > cheap } ?? true
    }

    /// Collects a small body (JSON, a form, an app request) of at most `limit` bytes. A larger
    /// declared length is refused before a byte is read.
    /// - Throws: `APIError` 413 past the limit, 400 when the body's framing is malformed.
    mutating func collectSmallBody(upTo limit: Int) async throws -> ByteBuffer {
        let tooLarge = APIError(status: .contentTooLarge, title: "Content Too Large", detail: "bodies are limited to \(limit) bytes")
        if let length = contentLength, length > limit { throw tooLarge }
        do {
            return try await collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch let error as HTTPParserError {
            throw APIError.malformedBody(error)
        }
    }
}

extension APIError {
    /// A body whose framing (chunk sizes, transfer coding) is broken: the client's error.
    static func malformedBody(_ error: HTTPParserError) -> APIError {
        APIError(status: .badRequest, title: "Bad Request", detail: "the request body is malformed: \(error)")
    }
}
