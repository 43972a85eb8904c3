/// What everything costs, in gas. Versioned: a change of price is a new schedule version, so a
/// ledger row can always be explained by the schedule it was charged under.
///
/// The defaults and why (see `docs/GAS.md`): intrinsic costs are proportional to the work a request
/// does beyond moving bytes (a manifest PUT parses JSON and commits a transaction, ~20× a HEAD);
/// ingress costs twice egress per KiB because written bytes are hashed, fsynced and stored;
/// storage accrues per GiB-hour; WASM fuel converts at a fixed rate.
public struct GasSchedule: Sendable, Hashable, Codable {
    /// The schedule's version, e.g. `2026-11`.
    public var version: String
    /// Intrinsic gas per operation.
    public var operations: [String: UInt64]
    /// Gas per KiB received (uploads, manifests), rounded up.
    public var ingressPerKiB: UInt64
    /// Gas per KiB served (blob and manifest bodies), rounded up.
    public var egressPerKiB: UInt64
    /// Gas per GiB stored for an hour (accrued by the storage accountant).
    public var storagePerGiBHour: UInt64
    /// WASM fuel units per gas (the WASM executor charges `fuel / wasmFuelPerGas`).
    public var wasmFuelPerGas: UInt64

    /// The default schedule.
    public static let standard = GasSchedule(
        version: "2026-11",
        operations: Dictionary(uniqueKeysWithValues: GasOperation.allCases.map { ($0.rawValue, $0.defaultCost) }),
        ingressPerKiB: 2, egressPerKiB: 1, storagePerGiBHour: 100, wasmFuelPerGas: 1000)

    /// Intrinsic gas of an operation (unknown operations cost the API-call price).
    public func intrinsic(_ operation: GasOperation) -> UInt64 {
        operations[operation.rawValue] ?? operation.defaultCost
    }

    /// Gas for `bytes` received.
    public func ingress(bytes: Int64) -> UInt64 { Self.perKiB(bytes, ingressPerKiB) }

    /// Gas for `bytes` served.
    public func egress(bytes: Int64) -> UInt64 { Self.perKiB(bytes, egressPerKiB) }

    /// Gas for keeping `bytes` stored for `seconds`, rounded up (any stored byte costs at least 1).
    public func storage(bytes: Int64, seconds: Int) -> UInt64 {
        guard bytes > 0, seconds > 0 else { return 0 }
        let product = UInt64(bytes).multipliedFullWidth(by: storagePerGiBHour * UInt64(seconds))
        let divisor: UInt64 = (1 << 30) * 3600
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        return quotient + (remainder > 0 ? 1 : 0)
    }

    static func perKiB(_ bytes: Int64, _ rate: UInt64) -> UInt64 {
        guard bytes > 0 else { return 0 }
        return (UInt64(bytes) + 1023) / 1024 * rate
    }
}

/// The operations the schedule prices.
public enum GasOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case ping = "v2.ping"
    case catalog = "catalog.list"
    case blobGet = "blob.get"
    case blobHead = "blob.head"
    case blobDelete = "blob.delete"
    case uploadStart = "upload.start"
    case uploadChunk = "upload.chunk"
    case uploadStatus = "upload.status"
    case uploadFinish = "upload.finish"
    case uploadCancel = "upload.cancel"
    case blobMount = "blob.mount"
    case manifestGet = "manifest.get"
    case manifestHead = "manifest.head"
    case manifestPut = "manifest.put"
    case manifestDelete = "manifest.delete"
    case tagsList = "tags.list"
    case referrersList = "referrers.list"
    case apiCall = "api.call"
    case tokenIssue = "token.issue"
    case registryRequest = "registry.request"
    case wasmRun = "wasm.run"
    case wagiRequest = "wagi.request"

    /// The default intrinsic cost.
    public var defaultCost: UInt64 {
        switch self {
        case .ping, .blobHead, .manifestHead, .uploadStatus, .registryRequest: 50
        case .manifestGet, .apiCall: 100
        case .tagsList: 150
        case .blobGet, .referrersList, .uploadChunk: 200
        case .catalog, .blobMount, .tokenIssue: 300
        case .uploadStart, .blobDelete, .manifestDelete, .uploadCancel: 500
        case .uploadFinish, .wasmRun, .wagiRequest: 1000
        case .manifestPut: 2000
        }
    }
}
