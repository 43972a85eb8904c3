/// A Spin configuration template: literal text with `{{ variable }}` expressions.
public struct SpinTemplate: Sendable, Hashable {
    /// A literal run or a variable reference.
    public enum Part: Sendable, Hashable {
        /// Text copied as is.
        case literal(String)
        /// `{{ name }}`: the value of an application variable.
        case variable(String)
    }

    /// The parts in order.
    public let parts: [Part]

    /// Parses a template.
    /// - Throws: ``SpinError`` `VARIABLE_INVALID` for an unmatched `{{`.
    public init(_ text: String) throws {
        var parts: [Part] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.hasPrefix("{{") {
                let expression = rest.dropFirst(2)
                guard let close = expression.firstRange(of: "}}") else {
                    throw SpinError(.variableInvalid, "unmatched '{{' in template '\(text)'")
                }
                parts.append(.variable(expression[..<close.lowerBound].trimmingWhitespace()))
                rest = expression[close.upperBound...]
            } else {
                let literalEnd = rest.firstRange(of: "{{")?.lowerBound ?? rest.endIndex
                parts.append(.literal(String(rest[..<literalEnd])))
                rest = rest[literalEnd...]
            }
        }
        self.parts = parts
    }

    /// The names of the variables referenced.
    public var references: [String] {
        parts.compactMap { part in
            if case .variable(let name) = part { return name }
            return nil
        }
    }

    /// Substitutes variable values.
    /// - Throws: ``SpinError`` `VARIABLE_INVALID` when a referenced variable has no value.
    public func render(_ values: [String: String]) throws -> String {
        try parts.map { part in
            switch part {
            case .literal(let text):
                return text
            case .variable(let name):
                guard let value = values[name] else { throw SpinError(.variableInvalid, "variable '\(name)' has no value") }
                return value
            }
        }.joined()
    }
}
