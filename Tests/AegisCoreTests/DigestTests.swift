import AegisCore
import Foundation
import Testing

@Suite struct DigestTests {
    @Test func parsesSha256AndSha512() throws {
        let sha256 = try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
        #expect(sha256.algorithm == .sha256)
        let sha512 = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
        #expect(sha512.algorithm == .sha512)
        #expect(sha512.description.hasPrefix("sha512:"))
    }

    @Test(arguments: [
        "sha256", "sha256:", ":abc", "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "a", count: 63),
        "sha512:" + String(repeating: "a", count: 64), "SHA256:" + String(repeating: "a", count: 64), "sha256+:abc",
    ])
    func malformedDigestIsDigestInvalid(text: String) {
        #expect {
            try Digest(parsing: text)
        } throws: { ($0 as? RegistryError)?.code == .digestInvalid }
    }

    @Test func unknownAlgorithmIsUnsupported() {
        #expect {
            try Digest(parsing: "md5:d41d8cd98f00b204e9800998ecf8427e")
        } throws: { ($0 as? RegistryError)?.code == .unsupportedParameter }
    }

    @Test func hasherMatchesKnownVectorsAndForksState() {
        #expect(
            DigestHasher.digest(of: Data("abc".utf8)).description
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            DigestHasher.digest(of: Data("abc".utf8), using: .sha512).encoded.hasPrefix("ddaf35a193617abacc417349ae204131"))
        var hasher = DigestHasher(.sha256)
        hasher.update(Data("ab".utf8))
        var fork = hasher
        fork.update(Data("c".utf8))
        #expect(fork.finalize() == DigestHasher.digest(of: Data("abc".utf8)))
        #expect(hasher.finalize() == DigestHasher.digest(of: Data("ab".utf8)))
    }
}
