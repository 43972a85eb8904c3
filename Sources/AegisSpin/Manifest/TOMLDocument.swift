import TOMLKit

/// Parses TOML text into JSON values, so that nothing outside this file touches TOMLKit's
/// non-`Sendable` classes. Dates and times become their TOML text.
enum TOMLDocument {
    static func parse(_ text: String) throws -> [String: JSONValue] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SpinError(.manifestInvalid, "spin.toml is not valid TOML: \(error.debugDescription)")
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for (key, value) in table {
            members[key] = convert(value)
        }
        return members
    }

    private static func convert(_ value: any TOMLValueConvertible) -> JSONValue {
        switch value.type {
        case .table: .object(value.table.map(convert) ?? [:])
        case .array: .array(value.array.map { $0.map(convert) } ?? [])
        case .string: .string(value.string ?? "")
        case .int: .integer(Int64(value.int ?? 0))
        case .double: .number(value.double ?? 0)
        case .bool: .bool(value.bool ?? false)
        case .date, .time, .dateTime: .string(value.debugDescription)
        }
    }
}
