import Testing

@testable import AegisSpin

@Suite struct GlobPatternTests {
    static let cases: [(pattern: String, path: String, walking: Bool, excluding: Bool)] = [
        ("static/*", "static/a.txt", true, true),
        ("static/*", "static/css/a.css", false, true),
        ("static/**/*", "static/a.txt", true, true),
        ("static/**/*", "static/css/deep/a.css", true, true),
        ("static/**/*", "other/a.txt", false, false),
        ("**/*.bak", "a.bak", true, true),
        ("**/*.bak", "x/y/a.bak", true, true),
        ("**/*.bak", "x/y/a.bakx", false, false),
        ("file?.txt", "file1.txt", true, true),
        ("file?.txt", "file10.txt", false, false),
        ("img/[a-c]*.png", "img/b1.png", true, true),
        ("img/[!a-c]*.png", "img/b1.png", false, false),
        ("img/[!a-c]*.png", "img/z.png", true, true),
        ("a?b", "a/b", false, true),
        ("docs/**", "docs/a/b.md", true, true),
        ("*", ".hidden", true, true),
    ]

    @Test(arguments: cases)
    func matchesLikeRustGlob(pattern: String, path: String, walking: Bool, excluding: Bool) throws {
        let glob = try GlobPattern(pattern)
        #expect(glob.matches(path, literalSeparator: true) == walking)
        #expect(glob.matches(path, literalSeparator: false) == excluding)
    }
}
