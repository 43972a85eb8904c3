import AegisAuth
import AegisCore
import AegisGas
import AegisOperations
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

extension RegistryController {
    /// Bills the request to its repository's tenant, applies the client's gas limit, reserves what
    /// is known up front (intrinsic gas and a declared body's ingress) and charges the intrinsic
    /// gas — all before any work.
    func meter(_ route: OCIRoute, access: Access, request: Request, context: AegisRequestContext) async throws {
        guard let meter = context.gas, let repository = route.repository else { return }
        let operation = route.gasOperation(for: request.method, query: request.uri.query)
        try metering.applyLimit(request.headers[.aegisGasLimit], to: meter)
        let declared = request.contentLength.map { metering.schedule.ingress(bytes: $0) } ?? 0
        try await metering.bill(
            meter, to: repository.tenant, principal: access.credential.auditName, repository: repository.value,
            operation: operation, reserving: .intrinsic(plus: declared))
    }

    /// The request body, charging ingress gas as bytes arrive (and stopping when gas runs out).
    /// - Parameter malformed: The error code for a body whose framing breaks (a bad chunk size).
    func meteredBody(_ request: Request, context: AegisRequestContext, malformed: RegistryError.Code = .blobUploadInvalid)
        -> MeteredBody<RequestBody>
    {
        MeteredBody(base: request.body, meter: context.gas, schedule: metering.schedule, malformed: malformed)
    }

    /// Charges egress gas for a body about to be served.
    func chargeEgress(_ bytes: Int64, context: AegisRequestContext) throws {
        context.gas?.moved(out: bytes)
        try context.gas?.charge(metering.schedule.egress(bytes: bytes))
    }
}

extension OCIRoute {
    /// The schedule's name for what the request does.
    func gasOperation(for method: HTTPRequest.Method, query: String?) -> GasOperation {
        switch (self, method) {
        case (.base, _): .ping
        case (.catalog, _): .catalog
        case (.blob, .head): .blobHead
        case (.blob, .delete): .blobDelete
        case (.blob, _): .blobGet
        case (.uploads, _):
            if query?.contains("mount=") == true { .blobMount } else if query?.contains("digest=") == true { .uploadFinish } else { .uploadStart }
        case (.upload, .patch): .uploadChunk
        case (.upload, .put): .uploadFinish
        case (.upload, .delete): .uploadCancel
        case (.upload, _): .uploadStatus
        case (.manifest, .head): .manifestHead
        case (.manifest, .put): .manifestPut
        case (.manifest, .delete): .manifestDelete
        case (.manifest, _): .manifestGet
        case (.tags, _): .tagsList
        case (.referrers, _): .referrersList
        }
    }
}

/// A body that charges ingress gas per chunk; when gas runs out the iteration throws `OUT_OF_GAS`,
/// so the upload or manifest it feeds is never committed. A body whose HTTP framing breaks (a bad
/// chunk size, an unknown transfer coding) throws `malformed`, the client's error, not a 500.
struct MeteredBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let meter: GasMeter?
    let schedule: GasSchedule
    let malformed: RegistryError.Code

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let meter: GasMeter?
        let schedule: GasSchedule
        let malformed: RegistryError.Code
        /// Bytes not yet charged (gas is charged per whole KiB).
        var pending: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            let next: ByteBuffer?
            do {
                next = try await base.next()
            } catch let error as HTTPParserError {
                throw RegistryError(malformed, "the request body is malformed: \(error)")
            }
            guard let buffer = next else {
                if pending > 0, let meter {
                    try meter.charge(schedule.ingress(bytes: pending))
                    pending = 0
                }
                return nil
            }
            if let meter {
                meter.moved(in: Int64(buffer.readableBytes))
                pending += Int64(buffer.readableBytes)
                let whole = pending / 1024 * 1024
                if whole > 0 {
                    try meter.charge(schedule.ingress(bytes: whole))
                    pending -= whole
                }
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), meter: meter, schedule: schedule, malformed: malformed)
    }
}
