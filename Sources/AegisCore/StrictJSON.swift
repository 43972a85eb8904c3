/// A strict one-pass check of a JSON text, run before any decoder sees a body.
///
/// JSON parsers disagree on inputs RFC 8259 leaves open: Go's `encoding/json` and Python's `json`
/// keep the *last* of two members with the same name, Foundation may keep the first; they differ on
/// lone surrogates, invalid UTF-8 and byte order marks. A manifest the registry checks one way and a
/// client reads another is a parser differential (the check sees one config, the client pulls
/// another), so every body the registry parses must first pass this check, which accepts only
/// the interoperable subset (I-JSON, RFC 7493):
/// - UTF-8 without a byte order mark, no unpaired surrogate escapes;
/// - no two members of one object with the same name after unescaping (`"config"` and
///   `"\u0063onfig"` are the same name);
/// - nesting at most `maxDepth` deep (decoders recurse; a deep body must not exhaust a stack).
public enum StrictJSON {
    /// Why a text was refused.
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// What kind of rule the text broke.
        public enum Kind: String, Sendable, Hashable {
            case syntax
            case duplicateMember = "duplicate_member"
            case tooDeep = "too_deep"
        }

        public var kind: Kind
        public var message: String
        /// The byte offset where the problem was found.
        public var offset: Int

        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The deepest nesting accepted by default: manifests and API bodies need a handful of levels.
    public static let defaultMaxDepth = 64

    /// Checks `bytes` against the rules above.
    /// - Throws: `Violation` for the first rule broken.
    public static func validate(_ bytes: some Sequence<UInt8>, maxDepth: Int = defaultMaxDepth) throws {
        let done: Void? = try bytes.withContiguousStorageIfAvailable { buffer in
            var scanner = Scanner(bytes: buffer, maxDepth: maxDepth)
            try scanner.document()
        }
        if done == nil {
            let copy = Array(bytes)
            try copy.withUnsafeBufferPointer { buffer in
                var scanner = Scanner(bytes: buffer, maxDepth: maxDepth)
                try scanner.document()
            }
        }
    }
}

extension StrictJSON {
    /// A recursive-descent scanner; recursion is bounded by `maxDepth`.
    fileprivate struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        mutating func document() throws {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw fail(.syntax, "a byte order mark is not allowed") }
            skipWhitespace()
            try value()
            skipWhitespace()
            guard index == bytes.count else { throw fail(.syntax, "unexpected characters after the JSON value") }
        }

        private mutating func value() throws {
            guard let byte = peek() else { throw fail(.syntax, "unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): try object()
            case UInt8(ascii: "["): try array()
            case UInt8(ascii: "\""): _ = try string(decoding: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail(.syntax, "unexpected character")
            }
        }

        private mutating func enter() throws {
            depth += 1
            guard depth <= maxDepth else { throw fail(.tooDeep, "JSON nested deeper than \(maxDepth) levels") }
        }

        private mutating func object() throws {
            try enter()
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            }
            var names = Set<[UInt8]>()
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw fail(.syntax, "expected a member name") }
                let start = index
                let name = try string(decoding: true)
                guard names.insert(name).inserted else {
                    throw Violation(
                        kind: .duplicateMember, message: "duplicate member \"\(String(decoding: name, as: UTF8.self))\"", offset: start)
                }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw fail(.syntax, "expected ':' after a member name") }
                index += 1
                skipWhitespace()
                try value()
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    depth -= 1
                    return
                default: throw fail(.syntax, "expected ',' or '}' in an object")
                }
            }
        }

        private mutating func array() throws {
            try enter()
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return
            }
            while true {
                try value()
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    index += 1
                    depth -= 1
                    return
                default: throw fail(.syntax, "expected ',' or ']' in an array")
                }
            }
        }

        /// Scans a string; with `decoding`, returns its unescaped UTF-8 (member names are compared so).
        private mutating func string(decoding: Bool) throws -> [UInt8] {
            var decoded: [UInt8] = []
            index += 1
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return decoded
                case UInt8(ascii: "\\"):
                    index += 1
                    let unescaped = try escape()
                    if decoding { decoded.append(contentsOf: unescaped) }
                case 0..<0x20:
                    throw fail(.syntax, "control character in a string")
                case 0x80...:
                    let start = index
                    try utf8Sequence()
                    if decoding { decoded.append(contentsOf: bytes[start..<index]) }
                default:
                    if decoding { decoded.append(byte) }
                    index += 1
                }
            }
            throw fail(.syntax, "unterminated string")
        }

        /// Scans the escape after a backslash; returns the UTF-8 it stands for.
        private mutating func escape() throws -> String.UTF8View {
            guard let byte = peek() else { throw fail(.syntax, "unterminated escape") }
            index += 1
            let simple: UInt8? =
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                default: nil
                }
            if let simple { return String(UnicodeScalar(simple)).utf8 }
            guard byte == UInt8(ascii: "u") else { throw fail(.syntax, "invalid escape") }
            var scalar = try hexQuad()
            if (0xD800...0xDBFF).contains(scalar) {
                guard peek() == UInt8(ascii: "\\"), peek(at: index + 1) == UInt8(ascii: "u") else {
                    throw fail(.syntax, "unpaired surrogate escape")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.syntax, "unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail(.syntax, "unpaired surrogate escape")
            }
            return Unicode.Scalar(scalar).map { String($0).utf8 } ?? "".utf8
        }

        private mutating func hexQuad() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = peek(), let digit = Self.hexValue(byte) else { throw fail(.syntax, "invalid \\u escape") }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// Checks one multi-byte UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF).
        private mutating func utf8Sequence() throws {
            let lead = bytes[index]
            let (length, minimum): (Int, UInt32) =
                switch lead {
                case 0xC2...0xDF: (2, 0x80)
                case 0xE0...0xEF: (3, 0x800)
                case 0xF0...0xF4: (4, 0x10000)
                default: (0, 0)
                }
            guard length > 0, index + length <= bytes.count else { throw fail(.syntax, "invalid UTF-8") }
            var scalar = UInt32(lead) & (0xFF >> (length + 1))
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { throw fail(.syntax, "invalid UTF-8") }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                throw fail(.syntax, "invalid UTF-8")
            }
            index += length
        }

        private mutating func number() throws {
            if peek() == UInt8(ascii: "-") { index += 1 }
            guard let first = peek(), Self.isDigit(first) else { throw fail(.syntax, "invalid number") }
            index += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard let byte = peek(), Self.isDigit(byte) else { throw fail(.syntax, "invalid number") }
                skipDigits()
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard let byte = peek(), Self.isDigit(byte) else { throw fail(.syntax, "invalid number") }
                skipDigits()
            }
        }

        private mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[index..<index + count])
            else { throw fail(.syntax, "unexpected character") }
            index += count
        }

        private mutating func skipDigits() {
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
        }

        private mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        private func peek(at position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }

        private func fail(_ kind: Violation.Kind, _ message: String) -> Violation {
            Violation(kind: kind, message: message, offset: index)
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        private static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 0x30...0x39: UInt32(byte - 0x30)
            case 0x41...0x46: UInt32(byte - 0x41 + 10)
            case 0x61...0x66: UInt32(byte - 0x61 + 10)
            default: nil
            }
        }
    }
}
