import Crypto
import Foundation
import JWTKit

/// The token-signing keys of one data directory: ES256 keys as PEM files `keys/token-<kid>.pem`
/// (mode 0600). The newest key signs; older keys keep verifying for an overlap period so tokens
/// issued before a rotation stay valid until they expire.
public struct SigningKeys: Sendable {
    /// One key with its identifier and creation time.
    public struct Key: Sendable {
        public var kid: String
        public var createdAt: Date
        public var privateKey: ES256PrivateKey
    }

    /// Keys, newest first.
    public private(set) var keys: [Key]

    /// Loads the keys under `directory`, creating one when there is none or the newest is older
    /// than `rotation`, and deleting keys older than `rotation + overlap`. Runs at start-up only.
    public static func load(directory: String, rotation: TimeInterval, overlap: TimeInterval, now: Date = Date()) throws
        -> SigningKeys
    {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var keys: [Key] = []
        for file in try manager.contentsOfDirectory(atPath: directory) where file.hasPrefix("token-") && file.hasSuffix(".pem") {
            let path = (directory as NSString).appendingPathComponent(file)
            // Key files are written once, so their modification time is their creation time.
            let created = try manager.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? now
            if now.timeIntervalSince(created) > rotation + overlap {
                try manager.removeItem(atPath: path)
                continue
            }
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            let kid = String(file.dropFirst("token-".count).dropLast(".pem".count))
            keys.append(Key(kid: kid, createdAt: created, privateKey: try ES256PrivateKey(pem: pem)))
        }
        keys.sort { $0.createdAt > $1.createdAt }
        if keys.first.map({ now.timeIntervalSince($0.createdAt) > rotation }) ?? true {
            let key = ES256PrivateKey()
            let kid = Self.thumbprint(of: key)
            let path = (directory as NSString).appendingPathComponent("token-\(kid).pem")
            guard manager.createFile(atPath: path, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
            keys.insert(Key(kid: kid, createdAt: now, privateKey: key), at: 0)
        }
        return SigningKeys(keys: keys)
    }

    /// Keys generated in memory (tests).
    public static func ephemeral() -> SigningKeys {
        let key = ES256PrivateKey()
        return SigningKeys(keys: [Key(kid: thumbprint(of: key), createdAt: Date(), privateKey: key)])
    }

    /// A short identifier derived from the public key (SHA-256 of x‖y, base64url, 16 characters).
    static func thumbprint(of key: ES256PrivateKey) -> String {
        let parameters = key.publicKey.parameters
        let digest = SHA256.hash(data: Data(((parameters?.x ?? "") + (parameters?.y ?? "")).utf8))
        return String(Data(digest).base64URLEncodedString.prefix(16))
    }

    /// The public keys as a JWKS document (`/.well-known/jwks.json`).
    public var jwks: JWKSDocument {
        JWKSDocument(
            keys: keys.compactMap { key in
                guard let parameters = key.privateKey.publicKey.parameters else { return nil }
                return .init(kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: key.kid, x: parameters.x, y: parameters.y)
            })
    }
}

/// A JSON Web Key Set of EC public keys.
public struct JWKSDocument: Codable, Sendable, Hashable {
    public struct Key: Codable, Sendable, Hashable {
        public var kty: String
        public var crv: String
        public var alg: String
        public var use: String
        public var kid: String
        public var x: String
        public var y: String
    }

    public var keys: [Key]
}
