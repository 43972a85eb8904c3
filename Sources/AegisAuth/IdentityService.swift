import AegisCore
import AegisStore
import Crypto
import Foundation
import NIOPosix
import Synchronization

/// Turns credentials into principals: local users (scrypt), robot API keys, and the subjects of
/// bearer tokens. Successful password checks are cached for `cacheSeconds` (keyed by a hash of the
/// credentials), so clients that send Basic credentials with every request pay scrypt once. Failed
/// checks are throttled per user name and client address (see `LoginThrottle`).
public final class IdentityService: Sendable {
    /// Users, robots, memberships.
    public let store: any IdentityStore
    /// Password hashing parameters for new passwords.
    public let hasher: PasswordHasher
    /// Trusted OIDC issuers, whose access tokens are accepted as passwords and bearer tokens.
    public let oidc: OIDCVerifier?
    private let threadPool: NIOThreadPool
    private let cacheSeconds: TimeInterval
    private let cache = BoundedCache<SHA256Digest, (principal: Principal, until: Date)>(capacity: 10_000)
    private let certificates = BoundedCache<String, (robot: RobotRecord?, until: Date)>(capacity: 10_000)
    /// Limits failed checks; its lockouts go to the audit log through its callback.
    public let throttle: LoginThrottle
    private let checks = Atomic<Int>(0)

    /// Creates the service.
    public init(
        store: any IdentityStore, hasher: PasswordHasher = .standard, oidc: OIDCVerifier? = nil, cacheSeconds: TimeInterval = 30,
        throttle: LoginThrottle = LoginThrottle(settings: .init()), threadPool: NIOThreadPool = .singleton
    ) {
        self.throttle = throttle
        self.store = store
        self.hasher = hasher
        self.oidc = oidc
        self.cacheSeconds = cacheSeconds
        self.threadPool = threadPool
    }

    /// Password hashes computed so far (scrypt runs, decoys included), for `/metrics`.
    public var passwordChecks: Int { checks.load(ordering: .relaxed) }

    /// Checks a user name and password, or a robot name (`robot$<tenant>+<name>`) and API key.
    /// Credentials checked recently answer from the cache; any other attempt first passes the
    /// throttle, so a throttled one costs no hash.
    /// - Parameter client: the client's address, for the per-address limit.
    /// - Throws: `AuthError.invalidCredentials` (the message never says which part was wrong), or
    ///   `AuthError.throttled` with the seconds to wait.
    public func authenticate(username: String, password: String, client: String? = nil, now: Date = Date()) async throws
        -> Principal
    {
        let key = Self.cacheKey(username, password)
        if let hit = cache[key], hit.until > now { return hit.principal }
        if let wait = throttle.retryAfter(user: username, address: client, now: now) {
            throw AuthError(.throttled, "too many failed logins: try again later", retryAfter: max(1, Int(wait.rounded(.up))))
        }
        do {
            let principal = try await check(username: username, password: password, now: now)
            throttle.recordSuccess(user: username)
            cache[key] = (principal, now.addingTimeInterval(cacheSeconds))
            return principal
        } catch let error as AuthError where error.code == .invalidCredentials {
            // The time of the failure, not of the attempt: a lock starts when the hash is done.
            throttle.recordFailure(user: username, address: client, now: max(now, Date()))
            throw error
        }
    }

    private func check(username: String, password: String, now: Date) async throws -> Principal {
        let principal: Principal
        if let oidc, password.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2,
            let external = try? await oidc.principal(for: password, now: now)
        {
            // `docker login -u anything -p <OIDC access token>`: the token is the credential.
            principal = external
        } else if let robot = RobotName(parsing: username) {
            principal = try await authenticateRobot(robot, key: password, now: now)
        } else {
            guard let user = try await store.user(named: username) else {
                // Spend the same time as for a real user, so timing does not reveal who exists.
                _ = try? await hashOffLoop { self.hasher.verify(password, against: Self.decoyHash) }
                throw Self.invalid
            }
            let stored = user.passwordHash
            guard try await hashOffLoop({ self.hasher.verify(password, against: stored) }) else { throw Self.invalid }
            principal = try await self.principal(for: user)
        }
        return principal
    }

    /// The robot a verified client certificate maps to (its SPIFFE IDs first, then its subject),
    /// with the robot's role. Lookups are cached like password checks.
    /// - Throws: `AuthError.invalidCredentials` when no robot holds the identity, or it is revoked
    ///   or expired (the message says which, to the certificate's holder).
    public func principal(certificate: ClientCertificate, now: Date = Date()) async throws -> Principal {
        for identity in certificate.identities {
            let robot: RobotRecord?
            if let hit = certificates[identity], hit.until > now {
                robot = hit.robot
            } else {
                robot = try await store.robot(certificateIdentity: identity)
                certificates[identity] = (robot, now.addingTimeInterval(cacheSeconds))
            }
            guard let robot else { continue }
            guard Self.isUsable(robot, now: now) else {
                let state = robot.revokedAt != nil ? "revoked" : "expired"
                throw AuthError(.invalidCredentials, "the client certificate's robot '\(robot.name)' is \(state)")
            }
            return Self.principal(for: robot)
        }
        throw AuthError(.invalidCredentials, "no robot is bound to the client certificate '\(certificate.identities.first ?? "")'")
    }

    /// The principal a token subject names, with its current roles; nil when it no longer exists
    /// (a deleted user, a revoked or expired robot).
    public func principal(subject: String, now: Date = Date()) async throws -> Principal? {
        if let robot = RobotName(parsing: subject) {
            guard let record = try await store.robot(robot.name, in: robot.tenant), Self.isUsable(record, now: now) else { return nil }
            return Self.principal(for: record)
        }
        guard let user = try await store.user(named: subject) else { return nil }
        return try await principal(for: user)
    }

    /// A new user's password hash, computed off the cooperative pool.
    /// - Throws: `AuthError.invalidRequest` for a bad name or a password under 12 characters.
    public func newUserCredentials(name: String, password: String) async throws -> String {
        guard Self.isValidUserName(name) else {
            throw AuthError(.invalidRequest, "user names are 1-64 of [a-z0-9._-], starting with a letter or digit")
        }
        guard password.count >= 12 else { throw AuthError(.invalidRequest, "passwords need at least 12 characters") }
        return try await hashOffLoop { try self.hasher.hash(password) }
    }

    /// A new robot's API key and the hash stored for it; the key is not stored and cannot be shown again.
    /// - Throws: `AuthError.invalidRequest` for a bad name.
    public static func newRobotKey(name: String) throws -> (key: String, hash: String) {
        guard isValidUserName(name) else {
            throw AuthError(.invalidRequest, "robot names are 1-64 of [a-z0-9._-], starting with a letter or digit")
        }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let key = "aegis_" + secret.base64URLEncodedString
        return (key, sha256Hex(key))
    }

    /// Forgets cached credentials (after a password change or revocation).
    public func forgetCachedCredentials() {
        cache.removeAll()
        certificates.removeAll()
    }

    private func authenticateRobot(_ robot: RobotName, key: String, now: Date) async throws -> Principal {
        guard let record = try await store.robot(robot.name, in: robot.tenant), Self.isUsable(record, now: now),
            Self.constantTimeEqual(Self.sha256Hex(key), record.keyHash)
        else { throw Self.invalid }
        return Self.principal(for: record)
    }

    private func principal(for user: UserRecord) async throws -> Principal {
        let roles = try await store.roles(of: user.name)
        let grants = try await store.grants(of: user.name).compactMap { grant in
            try? RepositoryGrant(pattern: grant.pattern, role: grant.role)
        }
        return Principal(kind: .user, name: user.name, isSystemAdmin: user.isSystemAdmin, roles: roles, grants: grants)
    }

    private static func principal(for robot: RobotRecord) -> Principal {
        let roles = [robot.tenant: robot.role]
        return Principal(kind: .robot, name: RobotName(tenant: robot.tenant, name: robot.name).description, roles: roles)
    }

    private static func isUsable(_ robot: RobotRecord, now: Date) -> Bool {
        robot.revokedAt == nil && (robot.expiresAt.map { $0 > now } ?? true)
    }

    /// scrypt is deliberately slow: run it on the I/O thread pool, never on the cooperative pool.
    private func hashOffLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        checks.add(1, ordering: .relaxed)
        return try await threadPool.runIfActive(work)
    }

    private static let invalid = AuthError(.invalidCredentials, "invalid user name or password")
    private static let decoyHash = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

    static func isValidUserName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    private static func isAlnum(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Hashed, so the cache never holds a password; computed on every Basic request, so no hex.
    private static func cacheKey(_ username: String, _ password: String) -> SHA256Digest {
        SHA256.hash(data: Data("\(username.utf8.count):\(username):\(password)".utf8))
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        return a.count == b.count && zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A robot's login name: `robot$<tenant>+<name>`.
public struct RobotName: Sendable, Hashable, CustomStringConvertible {
    public var tenant: TenantID
    public var name: String

    public init(tenant: TenantID, name: String) {
        self.tenant = tenant
        self.name = name
    }

    /// Parses `robot$<tenant>+<name>`; nil for anything else.
    public init?(parsing text: String) {
        guard text.hasPrefix("robot$"), let plus = text.firstIndex(of: "+") else { return nil }
        let tenantText = text[text.index(text.startIndex, offsetBy: 6)..<plus]
        guard let tenant = try? TenantID(tenantText) else { return nil }
        self.tenant = tenant
        self.name = String(text[text.index(after: plus)...])
    }

    public var description: String { "robot$\(tenant)+\(name)" }
}
