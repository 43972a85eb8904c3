import AegisStore
import Crypto
import Foundation
import JWTKit

/// The token-signing keys, kept in the metadata store so that every node signs and verifies
/// with the same set: ES256 keys, newest first. The newest signs; older keys keep verifying for an
/// overlap period so tokens issued before a rotation stay valid until they expire.
public struct SigningKeys: Sendable {
    /// One key with its identifier and creation time.
    public struct Key: Sendable {
        public var kid: String
        public var createdAt: Date
        public var privateKey: ES256PrivateKey
    }

    /// Keys, newest first.
    public private(set) var keys: [Key]

    /// Loads the keys from `store`, adding one when there is none or the newest is older than
    /// `rotation`, and deleting keys older than `rotation + overlap`. Any node may rotate: when two
    /// do at once both keys are kept, and each verifies the other's tokens.
    ///
    /// Key files of earlier versions (`token-<kid>.pem` in `legacyDirectory`) are moved into the
    /// store first, so tokens they signed stay valid across the upgrade.
    public static func load(
        from store: any ClusterStore, importing legacyDirectory: String? = nil, rotation: TimeInterval, overlap: TimeInterval,
        now: Date = Date()
    ) async throws -> SigningKeys {
        if let legacyDirectory { try await importFiles(from: legacyDirectory, into: store) }
        try await store.deleteSigningKeys(createdBefore: now.addingTimeInterval(-(rotation + overlap)))
        var records = try await store.signingKeys()
        if records.first.map({ now.timeIntervalSince($0.createdAt) > rotation }) ?? true {
            let key = ES256PrivateKey()
            try await store.insertSigningKey(SigningKeyRecord(kid: thumbprint(of: key), createdAt: now, privateKeyPEM: key.pemRepresentation))
            records = try await store.signingKeys()
        }
        return SigningKeys(
            keys: try records.map { Key(kid: $0.kid, createdAt: $0.createdAt, privateKey: try ES256PrivateKey(pem: $0.privateKeyPEM)) })
    }

    /// Moves `token-<kid>.pem` files into the store (their modification time is their creation time:
    /// key files were written once) and deletes them once stored.
    private static func importFiles(from directory: String, into store: any ClusterStore) async throws {
        let manager = FileManager.default
        guard let files = try? manager.contentsOfDirectory(atPath: directory) else { return }
        for file in files where file.hasPrefix("token-") && file.hasSuffix(".pem") {
            let path = (directory as NSString).appendingPathComponent(file)
            let created = try manager.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? Date()
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            _ = try ES256PrivateKey(pem: pem)
            let kid = String(file.dropFirst("token-".count).dropLast(".pem".count))
            try await store.insertSigningKey(SigningKeyRecord(kid: kid, createdAt: created, privateKeyPEM: pem))
            try manager.removeItem(atPath: path)
        }
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
