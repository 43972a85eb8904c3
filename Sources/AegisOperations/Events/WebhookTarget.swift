import Foundation
import NIOCore
import NIOPosix

/// Where a webhook may send: `http` or `https` URLs without credentials, whose every address is
/// public unless private targets are allowed (SSRF: a tenant must not make the registry call its
/// own loopback, the cloud's metadata service or the internal network). Checked when a webhook is
/// set and again before each delivery, since names can be re-pointed.
public struct WebhookTargetPolicy: Sendable {
    /// Allows loopback, private, link-local and other non-public addresses (tests; registries whose
    /// receivers are on the internal network).
    public var allowPrivate: Bool
    /// Resolves a host name to its addresses (the system resolver, off the event loops).
    public var resolve: @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress]

    /// The longest URL accepted.
    public static let maxURLBytes = 2048

    public init(allowPrivate: Bool = false, resolve: @escaping @Sendable (String, Int) async throws -> [SocketAddress] = Self.systemResolve) {
        self.allowPrivate = allowPrivate
        self.resolve = resolve
    }

    /// A parsed target.
    public struct Target: Sendable, Hashable {
        public var host: String
        public var port: Int
    }

    /// A DNS name or an IPv4 address: labels of letters, digits and inner hyphens, dot-separated.
    static func isHostName(_ host: String) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return host.utf8.count <= 253
            && labels.allSatisfy { label in
                let bytes = Array(label.utf8)
                guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
                return bytes.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
            }
    }

    /// Checks the URL's form. - Throws: `OperationError.invalid` naming what is wrong.
    public func parse(_ url: String) throws -> Target {
        guard url.utf8.count <= Self.maxURLBytes else { throw OperationError.invalid("url must be at most \(Self.maxURLBytes) bytes") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { throw OperationError.invalid("url must be an absolute http:// or https:// URL with a host") }
        guard components.user == nil, components.password == nil else {
            throw OperationError.invalid("url must not carry credentials: the signature authenticates the registry")
        }
        guard components.fragment == nil else { throw OperationError.invalid("url must not have a fragment") }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw OperationError.invalid("url has an invalid port") }
        guard host.hasPrefix("[") || Self.isHostName(host) else {
            throw OperationError.invalid("url's host must be a DNS name or an IP address (letters, digits, '-' and '.')")
        }
        return Target(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port)
    }

    /// Checks the form and, unless private targets are allowed, that every address the host resolves
    /// to is public. - Throws: `OperationError.invalid` (reason `webhook_target_forbidden` for an
    /// address refused, `webhook_target_unresolved` for a name that does not resolve).
    public func check(_ url: String) async throws {
        let target = try parse(url)
        guard !allowPrivate else { return }
        let addresses: [SocketAddress]
        do {
            addresses = try await resolve(target.host, target.port)
        } catch {
            throw OperationError(.invalidRequest, "url: '\(target.host)' does not resolve", reason: "webhook_target_unresolved")
        }
        guard !addresses.isEmpty else {
            throw OperationError(.invalidRequest, "url: '\(target.host)' does not resolve", reason: "webhook_target_unresolved")
        }
        if let refused = addresses.first(where: { !Self.isPublic($0) }) {
            throw OperationError(
                .invalidRequest,
                "url: '\(target.host)' resolves to \(refused.ipAddress ?? "a non-IP address"), which is not a public address "
                    + "(events.webhook_allow_private_targets allows it)", reason: "webhook_target_forbidden")
        }
    }

    /// Whether an address is publicly routable: not loopback, private, link-local, shared (CGNAT),
    /// unspecified, multicast, reserved or documentation space, and not an IPv4 one of those mapped
    /// into IPv6.
    public static func isPublic(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return isPublicIPv4(UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return isPublicIPv6(bytes)
        case .unixDomainSocket:
            return false
        }
    }

    static func isPublicIPv4(_ address: UInt32) -> Bool {
        let blocked: [(UInt32, UInt32)] = [
            (0x0000_0000, 8),  // "this network"
            (0x0A00_0000, 8),  // private
            (0x6440_0000, 10),  // shared address space (CGNAT)
            (0x7F00_0000, 8),  // loopback
            (0xA9FE_0000, 16),  // link-local, cloud metadata services
            (0xAC10_0000, 12),  // private
            (0xC000_0000, 24),  // IETF protocol assignments
            (0xC000_0200, 24),  // documentation
            (0xC0A8_0000, 16),  // private
            (0xC612_0000, 15),  // benchmarking
            (0xC633_6400, 24),  // documentation
            (0xCB00_7100, 24),  // documentation
            (0xE000_0000, 4),  // multicast
            (0xF000_0000, 4),  // reserved, broadcast
        ]
        return !blocked.contains { network, bits in address >> (32 - bits) == network >> (32 - bits) }
    }

    static func isPublicIPv6(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return false }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            // IPv4-mapped: judged as the IPv4 address.
            return isPublicIPv4(bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if bytes[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if bytes[0] == 0xFF { return false }  // multicast
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return false }  // documentation
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return false }  // NAT64
        return true
    }

    /// `getaddrinfo` on NIO's blocking-work pool, never on an event loop or the cooperative pool.
    public static let systemResolve: @Sendable (String, Int) async throws -> [SocketAddress] = { host, port in
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else { throw ResolutionFailed(host: host) }
            defer { freeaddrinfo(first) }
            var addresses: [SocketAddress] = []
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                if let address = current.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        addresses.append(address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                    case AF_INET6:
                        addresses.append(address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                    default:
                        break
                    }
                }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }

    struct ResolutionFailed: Error {
        let host: String
    }
}
