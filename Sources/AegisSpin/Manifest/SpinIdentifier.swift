/// Spin's identifier rules (`spin_serde::id`): words of ASCII letters and digits, each starting
/// with a letter and either all lowercase or all uppercase, joined by one delimiter.
enum SpinIdentifier {
    /// Component ids: `kebab-case` (`KebabId`); a word may also be all uppercase, as in `API-v2`.
    static func validateKebab(_ id: String, what: String) throws {
        try validate(id, delimiter: "-", lowercaseOnly: false, what: what)
    }

    /// Variable names: `lower_snake_case` (`LowerSnakeId`).
    static func validateLowerSnake(_ id: String, what: String) throws {
        try validate(id, delimiter: "_", lowercaseOnly: true, what: what)
    }

    private static func validate(_ id: String, delimiter: Character, lowercaseOnly: Bool, what: String) throws {
        func reject(_ reason: String) -> SpinError {
            SpinError(.identifierInvalid, "\(what) '\(id)' is invalid: \(reason)")
        }
        guard !id.isEmpty else { throw reject("it is empty") }
        let wrongDelimiter: Character = delimiter == "-" ? "_" : "-"
        guard !id.contains(wrongDelimiter) else {
            throw reject("words must be separated with '\(delimiter)', not '\(wrongDelimiter)'")
        }
        for word in id.split(separator: delimiter, omittingEmptySubsequences: false) {
            guard let first = word.first else { throw reject("words must not be empty") }
            guard first.isASCII, first.isLetter else { throw reject("words must start with an ASCII letter") }
            guard word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw reject("words may only contain ASCII letters and digits")
            }
            let isUppercaseWord = first.isUppercase
            guard word.allSatisfy({ $0.isNumber || $0.isUppercase == isUppercaseWord }) else {
                throw reject("words must be all lowercase or all uppercase")
            }
            if lowercaseOnly, isUppercaseWord { throw reject("it must be all lowercase") }
        }
    }
}
