import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension S3Error {
    /// The largest error body read; S3's are a few hundred bytes.
    static let maximumErrorBody = 64 * 1024

    /// The error an unsuccessful answer carries: its `<Error>` body, or its status alone.
    init(response: HTTPClientResponse, method: HTTPMethod) async {
        let status = Int(response.status.code)
        let headerRequestID = response.headers.first(name: "x-amz-request-id")
        var body: ByteBuffer?
        if method != .HEAD { body = try? await response.body.collect(upTo: Self.maximumErrorBody) }
        if let body, let error = S3Error(errorDocument: body, status: status) {
            self = error
            if requestID == nil { requestID = headerRequestID }
        } else {
            self.init(.status(status), "S3 answered \(status) \(response.status.reasonPhrase)", status: status, requestID: headerRequestID)
        }
    }

    /// The error in an `<Error><Code>…</Code><Message>…</Message></Error>` document, or `nil` when
    /// the body is something else.
    init?(errorDocument body: ByteBuffer, status: Int) {
        guard body.readableBytes > 0, let root = try? S3XMLElement.parse(body), root.name == "Error",
            let code = root.value("Code"), !code.isEmpty
        else { return nil }
        self.init(
            Code(rawValue: code), root.value("Message") ?? code, status: status, requestID: root.value("RequestId"))
    }
}
