import AegisAuth
import Testing

@Suite struct PasswordHasherTests {
    // A low cost keeps the test fast; the format and checks are the same as production's.
    let hasher = PasswordHasher(rounds: 1 << 10, blockSize: 8, parallelism: 1)

    @Test func hashVerifiesOnlyTheRightPassword() throws {
        let stored = try hasher.hash("correct horse")
        #expect(stored.hasPrefix("scrypt$1024$8$1$"))
        #expect(!stored.contains("correct horse"))
        #expect(hasher.verify("correct horse", against: stored))
        #expect(!hasher.verify("correct horse ", against: stored))
        #expect(try hasher.hash("correct horse") != stored)
    }

    @Test(arguments: ["", "plain", "scrypt$x$8$1$AA==$AA==", "scrypt$1024$8$1$!!$AA==", "scrypt$99999999$8$1$AA==$AA=="])
    func malformedHashesNeverVerify(stored: String) {
        #expect(!hasher.verify("anything", against: stored))
    }
}
