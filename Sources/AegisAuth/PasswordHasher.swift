import Crypto
import CryptoExtras
import Foundation

/// Password hashes with scrypt, stored as `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64 parts), so the
/// cost can rise later without invalidating stored hashes.
public struct PasswordHasher: Sendable {
    /// CPU/memory cost (N), block size (r) and parallelism (p).
    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int

    /// The production cost: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds).
    public static let standard = PasswordHasher(rounds: 1 << 15, blockSize: 8, parallelism: 1)

    /// Creates a hasher with a given cost.
    public init(rounds: Int, blockSize: Int, parallelism: Int) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// Hashes a password with a fresh random salt.
    public func hash(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return ["scrypt", String(rounds), String(blockSize), String(parallelism), salt.base64EncodedString(), key.base64EncodedString()]
            .joined(separator: "$")
    }

    /// Checks a password against a stored hash in constant time. Malformed hashes never verify.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Data(base64Encoded: String(parts[4])),
            let expected = Data(base64Encoded: String(parts[5])), rounds <= 1 << 20,
            let actual = try? derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return actual.count == expected.count && zip(actual, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func derive(_ password: String, salt: Data, rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        try KDF.Scrypt.deriveKey(
            from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize,
            parallelism: parallelism
        ).withUnsafeBytes { Data($0) }
    }
}
