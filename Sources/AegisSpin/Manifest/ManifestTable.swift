/// Typed access to a TOML table with errors that name the offending key.
struct ManifestTable {
    let members: [String: JSONValue]
    /// The dotted path of this table, for messages (`component.infer`).
    let path: String

    func contains(_ key: String) -> Bool { members[key] != nil }

    func string(_ key: String) throws -> String? {
        guard let value = members[key] else { return nil }
        guard let string = value.stringValue else { throw invalid(key, "must be a string") }
        return string
    }

    func requiredString(_ key: String) throws -> String {
        guard let string = try string(key) else { throw SpinError(.manifestInvalid, "\(path) needs '\(key)'") }
        return string
    }

    /// A string that Spin treats as absent when empty.
    func nonEmptyString(_ key: String) throws -> String? {
        try string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = members[key] else { return nil }
        guard case .bool(let bool) = value else { throw invalid(key, "must be true or false") }
        return bool
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = members[key] else { return [] }
        guard let array = value.arrayValue else { throw invalid(key, "must be an array of strings") }
        return try array.map { element in
            guard let string = element.stringValue else { throw invalid(key, "must be an array of strings") }
            return string
        }
    }

    func stringMap(_ key: String) throws -> [String: String] {
        guard let table = try table(key) else { return [:] }
        return try table.members.mapValues { value in
            guard let string = value.stringValue else { throw invalid(key, "values must be strings") }
            return string
        }
    }

    func table(_ key: String) throws -> ManifestTable? {
        guard let value = members[key] else { return nil }
        guard let members = value.objectValue else { throw invalid(key, "must be a table") }
        return ManifestTable(members: members, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func invalid(_ key: String, _ problem: String) -> SpinError {
        SpinError(.manifestInvalid, "'\(path.isEmpty ? key : "\(path).\(key)")' \(problem)")
    }
}
