import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// The CA, server and client certificates of `scripts/tls-certs.sh` (openssl), made once per test
/// process in a temporary directory.
enum TestCertificates {
    static let directory: URL? = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-tls-\(UUID().uuidString)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/tls-certs.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, directory.path]
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? directory : nil
    }()

    static func path(_ name: String) throws -> String {
        guard let directory else { throw TestCertificateError() }
        return directory.appendingPathComponent(name).path
    }

    /// An HTTP client that trusts `ca` and presents `client` (`client.pem`/`client.key` for
    /// `"client"`), speaking HTTP/2 where the server offers it unless `http1Only`.
    static func httpClient(trusting ca: String = "ca.pem", presenting client: String? = nil, http1Only: Bool = false) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try path(ca))
        if let client {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(try path("\(client).pem")).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: try path("\(client).key"), format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

struct TestCertificateError: Error, CustomStringConvertible {
    var description: String { "scripts/tls-certs.sh could not make the test certificates (is openssl installed?)" }
}
