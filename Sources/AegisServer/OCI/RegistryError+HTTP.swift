import AegisCore
import Foundation
import HTTPTypes
import Hummingbird

extension RegistryError: HTTPResponseError {
    /// The conventional status of the code.
    public var status: HTTPResponse.Status { code.httpStatus }

    /// `{"errors":[{"code","message","detail"}]}`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[.dockerDistributionAPIVersion] = "registry/2.0"
        if code == .rangeInvalid, let size = detail?["size"] {
            headers[.contentRange] = "bytes */\(size)"
        }
        if code == .tooManyRequests || code == .unavailable, let seconds = detail?["retryAfter"] {
            headers[.retryAfter] = seconds
        }
        if code == .unsupported, let methods = detail?["allow"] {
            headers[.allow] = methods
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }

    /// The error rendered as the OCI error document.
    var jsonBody: Data {
        let document = ErrorDocument(errors: [.init(code: code.rawValue, message: message, detail: detail)])
        return (try? JSONEncoder.registry.encode(document)) ?? Data(#"{"errors":[{"code":"UNKNOWN"}]}"#.utf8)
    }
}

private struct ErrorDocument: Encodable {
    struct Entry: Encodable {
        var code: String
        var message: String
        var detail: [String: String]?
    }
    var errors: [Entry]
}

extension RegistryError.Code {
    /// No endpoint at this path (the spec's codes have no better fit; the status says 404).
    static let endpointUnknown = RegistryError.Code("endpointUnknown", oci: "UNSUPPORTED")

    /// The HTTP status of each code: CNCF Distribution's mapping, and the statuses the
    /// distribution spec names for a body over the limit (413), too many tags (414) and an
    /// unsatisfiable range (416).
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .blobUploadInvalid, .digestInvalid, .manifestBlobUnknown, .manifestInvalid, .nameInvalid, .sizeInvalid, .tagInvalid,
            .unsupportedParameter, .paginationNumberInvalid:
            .badRequest
        case .unauthorized: .unauthorized
        case .denied: .forbidden
        case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown, .endpointUnknown: .notFound
        case .unsupported: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        case .tooManyTags: .uriTooLong
        case .rangeInvalid: .rangeNotSatisfiable
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }
}

extension JSONEncoder {
    /// Compact JSON with stable key order and unescaped slashes (media types contain `/`).
    static let registry: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension HTTPField.Name {
    static let dockerContentDigest = HTTPField.Name("Docker-Content-Digest")!
    static let dockerDistributionAPIVersion = HTTPField.Name("Docker-Distribution-API-Version")!
    static let dockerUploadUUID = HTTPField.Name("Docker-Upload-UUID")!
    static let ociSubject = HTTPField.Name("OCI-Subject")!
    static let ociTag = HTTPField.Name("OCI-Tag")!
    static let ociFiltersApplied = HTTPField.Name("OCI-Filters-Applied")!
    static let ociChunkMinLength = HTTPField.Name("OCI-Chunk-Min-Length")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let link = HTTPField.Name("Link")!
}
