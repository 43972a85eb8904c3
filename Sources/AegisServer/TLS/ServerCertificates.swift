import AegisConfig
import Foundation
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The server's certificate chain and key, read from their PEM files and read again when the files
/// change, so a renewed certificate is served without a restart. Every handshake takes the current
/// pair through NIOSSL's context callback; connections already open keep theirs.
final class ServerCertificates: Sendable {
    private struct Loaded {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        /// Modification times and sizes of the files, to notice a change without reading them.
        var stamp: [FileStamp]
    }

    struct FileStamp: Hashable {
        var modified: Date?
        var size: Int?
    }

    let certificateFile: String
    let keyFile: String
    private let current: Mutex<Loaded>
    private let logger: Logger

    /// Reads the files. - Throws: `ConfigurationError` naming the file that cannot be used.
    init(certificateFile: String, keyFile: String, logger: Logger) throws {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.logger = logger
        current = Mutex(try Self.load(certificateFile, keyFile))
    }

    /// The chain's first certificate (the server's own).
    var leaf: NIOSSLCertificate { current.withLock { $0.chain[0] } }

    /// Reads the files again if either changed; a pair that cannot be read, or whose key does not
    /// match, is logged and the previous one kept.
    /// - Returns: whether a new pair is now served.
    @discardableResult
    func reloadIfChanged() -> Bool {
        let stamp = Self.stamp(certificateFile, keyFile)
        guard stamp != current.withLock({ $0.stamp }) else { return false }
        do {
            let loaded = try Self.load(certificateFile, keyFile)
            current.withLock { $0 = loaded }
            logger.notice("TLS certificate reloaded", metadata: ["file": "\(certificateFile)"])
            return true
        } catch {
            // Half-written during a renewal, most likely: the next check tries again.
            logger.error("TLS certificate not reloaded; still serving the previous one", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The server configuration: TLS 1.2 and 1.3 only (1.3 preferred: BoringSSL picks the highest
    /// both sides speak), forward-secret AEAD suites for 1.2, the current pair on every handshake,
    /// and client certificates verified against `clientCAFile` when one is given.
    func configuration(_ settings: AegisConfiguration.TLSSettings) throws -> TLSConfiguration {
        let (chain, key) = current.withLock { ($0.chain, $0.key) }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = Self.tls12CipherSuites
        configuration.sslContextCallback = { [self] _, promise in
            var override = NIOSSLContextConfigurationOverride()
            let (chain, key) = current.withLock { ($0.chain, $0.key) }
            override.certificateChain = chain.map { .certificate($0) }
            override.privateKey = .privateKey(key)
            promise.succeed(override)
        }
        if let caFile = settings.clientCAFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw ConfigurationError("tls.client_ca_file '\(caFile)' holds no usable PEM certificate: \(error)")
            }
            guard !roots.isEmpty else { throw ConfigurationError("tls.client_ca_file '\(caFile)' holds no certificate") }
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = settings.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        return configuration
    }

    /// Mozilla's "intermediate" TLS 1.2 list: ECDHE key exchange and AEAD ciphers only.
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    private static func load(_ certificateFile: String, _ keyFile: String) throws -> Loaded {
        // The stamp first: a change while reading shows up as a change at the next check.
        let stamp = stamp(certificateFile, keyFile)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ConfigurationError("tls.cert_file '\(certificateFile)' holds no usable PEM certificate: \(error)")
        }
        guard !chain.isEmpty else { throw ConfigurationError("tls.cert_file '\(certificateFile)' holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ConfigurationError("tls.key_file '\(keyFile)' holds no usable PEM private key: \(error)")
        }
        // A key that does not match the certificate fails every handshake: refuse it here instead.
        var probe = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        probe.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: probe)
        } catch {
            throw ConfigurationError("tls.key_file '\(keyFile)' does not match the certificate in '\(certificateFile)': \(error)")
        }
        return Loaded(chain: chain, key: key, stamp: stamp)
    }

    private static func stamp(_ files: String...) -> [FileStamp] {
        files.map { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            return FileStamp(modified: attributes?[.modificationDate] as? Date, size: (attributes?[.size] as? NSNumber)?.intValue)
        }
    }
}
