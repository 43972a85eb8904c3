/// A glob pattern as Rust's `glob` crate reads it (which Spin uses for `files` and
/// `exclude_files`): `?`, `*`, `[abc]`, `[a-z]`, `[!…]`, and `**` as a whole path component for
/// any number of directories.
struct GlobPattern {
    private enum Token: Equatable {
        case character(Character)
        case anyCharacter
        case anySequence
        /// `**/` (or a trailing `**`): zero or more whole components.
        case anyComponents
        case set(negated: Bool, ranges: [ClosedRange<Character>])
    }

    private let tokens: [Token]

    /// Whether the text has any glob syntax at all.
    static func isPattern(_ text: String) -> Bool {
        text.contains { "*?[".contains($0) }
    }

    init(_ pattern: String) throws {
        let characters = Array(pattern)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "?":
                tokens.append(.anyCharacter)
            case "*":
                var end = index
                while end + 1 < characters.count, characters[end + 1] == "*" { end += 1 }
                if end > index {
                    let startsComponent = index == 0 || characters[index - 1] == "/"
                    let endsComponent = end + 1 == characters.count || characters[end + 1] == "/"
                    guard end - index == 1, startsComponent, endsComponent else {
                        throw SpinError(.filePathInvalid, "in '\(pattern)', ** must form a whole path component")
                    }
                    tokens.append(.anyComponents)
                    index = end + 1  // also skips the '/' after "**"
                } else {
                    tokens.append(.anySequence)
                }
            case "[":
                guard let (set, next) = Self.parseSet(characters, from: index + 1) else {
                    throw SpinError(.filePathInvalid, "in '\(pattern)', '[' has no matching ']'")
                }
                tokens.append(set)
                index = next - 1
            default:
                tokens.append(.character(character))
            }
            index += 1
        }
        self.tokens = tokens
    }

    /// Whether `path` matches.
    /// - Parameter literalSeparator: Whether `*`, `?` and sets must not match `/` (as when
    ///   walking directories); exclusion patterns are matched with `false`, like `Pattern::matches_path`.
    func matches(_ path: String, literalSeparator: Bool) -> Bool {
        Matcher(tokens: tokens, path: Array(path), literalSeparator: literalSeparator).matches(0, 0)
    }

    private static func parseSet(_ characters: [Character], from start: Int) -> (Token, Int)? {
        var index = start
        let negated = index < characters.count && characters[index] == "!"
        if negated { index += 1 }
        var ranges: [ClosedRange<Character>] = []
        // A ']' right after '[' or '[!' is a member, not the end.
        var first = true
        while index < characters.count, characters[index] != "]" || first {
            first = false
            let low = characters[index]
            if index + 2 < characters.count, characters[index + 1] == "-", characters[index + 2] != "]", low <= characters[index + 2] {
                ranges.append(low...characters[index + 2])
                index += 3
            } else {
                ranges.append(low...low)
                index += 1
            }
        }
        guard index < characters.count else { return nil }
        return (.set(negated: negated, ranges: ranges), index + 1)
    }

    private struct Matcher {
        let tokens: [Token]
        let path: [Character]
        let literalSeparator: Bool

        func matches(_ token: Int, _ position: Int) -> Bool {
            guard token < tokens.count else { return position == path.count }
            let atEnd = position == path.count
            switch tokens[token] {
            case .character(let expected):
                return !atEnd && path[position] == expected && matches(token + 1, position + 1)
            case .anyCharacter:
                return !atEnd && mayCross(path[position]) && matches(token + 1, position + 1)
            case .set(let negated, let ranges):
                guard !atEnd, mayCross(path[position]) else { return false }
                let isMember = ranges.contains { $0.contains(path[position]) }
                return isMember != negated && matches(token + 1, position + 1)
            case .anySequence:
                var end = position
                while true {
                    if matches(token + 1, end) { return true }
                    guard end < path.count, mayCross(path[end]) else { return false }
                    end += 1
                }
            case .anyComponents:
                // Zero components, or skip through any later '/' (a trailing "**" takes everything).
                if token + 1 == tokens.count { return true }
                if matches(token + 1, position) { return true }
                return path[position...].indices.contains { path[$0] == "/" && matches(token + 1, $0 + 1) }
            }
        }

        private func mayCross(_ character: Character) -> Bool {
            !literalSeparator || character != "/"
        }
    }
}
