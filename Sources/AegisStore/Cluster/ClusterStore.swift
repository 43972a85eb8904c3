import AegisCore
import Foundation
import Synchronization

/// What the nodes of one registry must agree on beyond the registry's own records: the
/// token-signing keys, each tenant's gas balance for the period, and which node is the leader of
/// cluster-wide background work. The embedded SQLite driver implements it too (one node is a
/// cluster of one), so the shared conformance suite covers both drivers.
public protocol ClusterStore: Sendable {
    /// Whether other processes share this store (PostgreSQL): budgets are then kept exact in the
    /// store, and cluster-wide work runs on the leader only. The embedded store keeps them in memory.
    var isShared: Bool { get }

    /// Every stored signing key, newest first.
    func signingKeys() async throws -> [SigningKeyRecord]
    /// Stores a key unless one with its `kid` exists.
    func insertSigningKey(_ key: SigningKeyRecord) async throws
    /// Deletes the keys created before `date`.
    func deleteSigningKeys(createdBefore date: Date) async throws

    /// Opens the tenant's balance for `period` at `used` unless it is open already (a node loads
    /// the ledger's total once per period; the first node to open it wins).
    func openGasBalance(of tenant: TenantID, period: Date, used: UInt64) async throws
    /// Reserves `gas` of the balance if `used + reserved + gas ≤ budget`, in one atomic statement.
    /// - Returns: the balance after the reservation, or nil when the budget cannot cover it (or
    ///   the balance is not open).
    func reserveGas(_ gas: UInt64, of tenant: TenantID, period: Date, budget: UInt64) async throws -> GasBalance?
    /// Applies settlements: each releases its reserved gas and adds the gas used.
    func settleGas(_ settlements: [GasSettlement]) async throws
    /// The tenant's balance for `period`, nil when not open.
    func gasBalance(of tenant: TenantID, period: Date) async throws -> GasBalance?
    /// Every balance open for `period` (for `fsck`, which reconciles them with the ledger).
    func gasBalances(period: Date) async throws -> [TenantID: GasBalance]
    /// Moves the balance's `used` by `delta` (not below 0): `fsck --repair` bringing it back to the
    /// ledger's sum. A delta, not a new value, so settlements written meanwhile are kept.
    func adjustGasBalance(of tenant: TenantID, period: Date, by delta: Int64) async throws

    /// Tries to become (or confirms being) the leader named `name`; see `LeaderLease`.
    func leadership(_ name: String) -> any LeaderLease
}

/// A token-signing key as stored: ES256, its private key as PEM.
public struct SigningKeyRecord: Sendable, Hashable {
    public var kid: String
    public var createdAt: Date
    public var privateKeyPEM: String

    public init(kid: String, createdAt: Date, privateKeyPEM: String) {
        self.kid = kid
        self.createdAt = createdAt
        self.privateKeyPEM = privateKeyPEM
    }
}

/// A tenant's shared gas balance for one billing period.
public struct GasBalance: Sendable, Hashable {
    /// Gas settled.
    public var used: UInt64
    /// Gas reserved by requests in flight on every node (and by settlements not yet written).
    public var reserved: UInt64

    public init(used: UInt64, reserved: UInt64) {
        self.used = used
        self.reserved = reserved
    }
}

/// What one or more finished requests of a tenant settle: `released` of their reservations, and
/// `used` gas charged.
public struct GasSettlement: Sendable, Hashable {
    public var tenant: TenantID
    public var period: Date
    public var released: UInt64
    public var used: UInt64

    public init(tenant: TenantID, period: Date, released: UInt64, used: UInt64) {
        self.tenant = tenant
        self.period = period
        self.released = released
        self.used = used
    }
}

/// The leadership of one kind of cluster-wide work. Held until the process or its connection to
/// the store ends; then another node's next `acquire` takes it over.
public protocol LeaderLease: Sendable {
    /// Whether this node leads now: takes the leadership when it is free, confirms it when held.
    /// A failure to reach the store counts as not leading (and gives the leadership up).
    func acquire() async -> Bool
    /// Gives the leadership up for good (at shutdown): a later `acquire` returns false, so work
    /// still winding down on other services cannot take it again and leave it held.
    func release() async
}

/// The leadership of a store no other process shares: held until released.
public final class SoleLeader: LeaderLease {
    private let released = Mutex(false)
    public init() {}
    public func acquire() async -> Bool { !released.withLock { $0 } }
    public func release() async { released.withLock { $0 = true } }
}
