/// A Docker token-auth resource scope: `type:name:action[,action…]`
/// (for example `repository:acme/app:pull,push` or `registry:catalog:*`).
public struct ResourceScope: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `repository` or `registry`.
    public var type: String
    /// The resource name (a repository name, or `catalog`).
    public var name: String
    /// Actions, sorted and unique.
    public var actions: [String]

    /// Creates a scope.
    public init(type: String, name: String, actions: some Sequence<String>) {
        self.type = type
        self.name = name
        self.actions = Array(Set(actions)).sorted()
    }

    /// Parses one scope. The name may contain `:` (a registry host with a port), so the type ends
    /// at the first colon and the actions start after the last one.
    /// - Returns: nil when malformed.
    public init?(parsing text: some StringProtocol) {
        guard let first = text.firstIndex(of: ":"), let last = text.lastIndex(of: ":"), first < last else { return nil }
        var type = String(text[..<first])
        // `repository(plugin)` is deprecated; the class is ignored.
        if let parenthesis = type.firstIndex(of: "(") { type = String(type[..<parenthesis]) }
        let name = String(text[text.index(after: first)..<last])
        let actions = String(text[text.index(after: last)...]).split(separator: Character(",")).map(String.init)
        guard !type.isEmpty, type.utf8.allSatisfy(Self.isTypeCharacter), !name.isEmpty else { return nil }
        self.init(type: type, name: name, actions: actions)
    }

    /// Parses a space-separated list (the OAuth2 form's `scope`) or repeated values (the GET form).
    /// `+` separates too: it is a space in a form-encoded query (Go clients send `a+b`), and no
    /// scope can contain one (repository names and actions have no `+`).
    public static func parseList(_ values: [String]) -> [ResourceScope] {
        values.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "+" }) }.compactMap { ResourceScope(parsing: $0) }
    }

    public var description: String { "\(type):\(name):\(actions.joined(separator: ","))" }

    private static func isTypeCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
