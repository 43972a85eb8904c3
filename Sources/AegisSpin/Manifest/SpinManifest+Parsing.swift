extension SpinManifest {
    /// Parses `spin.toml` text.
    ///
    /// Unknown keys are tolerated unless they change what the application does; those throw
    /// ``SpinError/Code/unsupported``.
    /// - Throws: ``SpinError`` with `MANIFEST_INVALID`, `MANIFEST_VERSION_UNSUPPORTED`, `UNSUPPORTED`,
    ///   `IDENTIFIER_INVALID`, `VARIABLE_INVALID` or `ROUTE_INVALID`.
    public init(parsing text: String) throws {
        let root = ManifestTable(members: try TOMLDocument.parse(text), path: "")
        try Self.checkVersion(root)
        guard let application = try root.table("application") else {
            throw SpinError(.manifestInvalid, "spin.toml needs an [application] table")
        }
        self.application = Application(
            name: try application.requiredString("name"),
            version: try application.nonEmptyString("version"),
            description: try application.nonEmptyString("description"),
            authors: try application.strings("authors")
        )
        self.triggerSettings = try Self.triggerSettings(application)
        self.variables = try Self.variables(root)
        self.components = try Self.components(root, variables: variables)
        self.httpTriggers = try Self.httpTriggers(root)
        for trigger in httpTriggers where component(trigger.component) == nil {
            throw SpinError(.manifestInvalid, "trigger '\(trigger.id)' refers to component '\(trigger.component)', which is not defined")
        }
    }

    private static func checkVersion(_ root: ManifestTable) throws {
        switch root.members["spin_manifest_version"] {
        case .integer(2):
            return
        case .string("1"), .integer(1):
            throw SpinError(
                .manifestVersionUnsupported, "spin_manifest_version 1 is not supported; run `spin doctor` or rewrite the manifest as version 2")
        case nil where root.contains("spin_version"):
            throw SpinError(.manifestVersionUnsupported, "spin_version = \"1\" manifests are not supported; use spin_manifest_version = 2")
        case nil:
            throw SpinError(.manifestVersionUnsupported, "spin.toml has no spin_manifest_version (expected 2)")
        case let other?:
            throw SpinError(.manifestVersionUnsupported, "spin_manifest_version \(other) is not supported (expected 2)")
        }
    }

    private static func triggerSettings(_ application: ManifestTable) throws -> [String: JSONValue] {
        guard let settings = try application.table("trigger") else { return [:] }
        if let http = try settings.table("http"), let base = try http.string("base"), base != "/" {
            throw SpinError(.unsupported, "application.trigger.http.base '\(base)' is not supported; prefix each route instead")
        }
        return settings.members
    }

    private static func variables(_ root: ManifestTable) throws -> [String: Variable] {
        guard let table = try root.table("variables") else { return [:] }
        var variables: [String: Variable] = [:]
        for name in table.members.keys {
            try SpinIdentifier.validateLowerSnake(name, what: "variable")
            guard let declaration = try table.table(name) else { continue }
            let isRequired = try declaration.bool("required") ?? false
            let defaultValue = try declaration.string("default")
            guard isRequired != (defaultValue != nil) else {
                throw SpinError(.variableInvalid, "variable '\(name)' must be `required` OR have a `default`")
            }
            variables[name] = Variable(
                description: try declaration.string("description"),
                defaultValue: defaultValue,
                isSecret: try declaration.bool("secret") ?? false
            )
        }
        return variables
    }

    private static func httpTriggers(_ root: ManifestTable) throws -> [SpinHTTPTrigger] {
        guard let triggers = try root.table("trigger") else {
            throw SpinError(.manifestInvalid, "spin.toml declares no triggers ([[trigger.http]])")
        }
        for type in triggers.members.keys where type != "http" {
            throw SpinError(.unsupported, "trigger type '\(type)' is not supported; only [[trigger.http]] is")
        }
        guard let entries = triggers.members["http"] else { return [] }
        guard let array = entries.arrayValue else { throw triggers.invalid("http", "must be an array of tables ([[trigger.http]])") }
        let tables = try array.map { entry in
            guard let table = entry.objectValue else { throw triggers.invalid("http", "must be an array of tables ([[trigger.http]])") }
            return ManifestTable(members: table, path: "trigger.http")
        }
        var ids = TriggerIDs(explicit: try tables.compactMap { try $0.nonEmptyString("id") })
        return try tables.map { table in
            let component = table.members["component"]?.stringValue
            if let component { try SpinIdentifier.validateKebab(component, what: "component id") }
            let id = try table.nonEmptyString("id") ?? ids.generate(component: component)
            return try SpinHTTPTrigger(id: id, config: table.members, invalid: .manifestInvalid)
        }
    }

    private static func components(_ root: ManifestTable, variables: [String: Variable]) throws -> [Component] {
        guard let table = try root.table("component") else { return [] }
        return try table.members.keys.sorted().map { id in
            try SpinIdentifier.validateKebab(id, what: "component id")
            guard let component = try table.table(id) else { throw table.invalid(id, "must be a table") }
            return try Component(parsing: component, id: id, variables: variables)
        }
    }
}

/// Spin's trigger id generation: `<component>-http-trigger`, else `http-trigger<N>`.
private struct TriggerIDs {
    var taken: Set<String>
    var counter = 1

    init(explicit: [String]) {
        taken = Set(explicit)
    }

    mutating func generate(component: String?) -> String {
        if let component, taken.insert("\(component)-http-trigger").inserted {
            return "\(component)-http-trigger"
        }
        while !taken.insert("http-trigger\(counter)").inserted {
            counter += 1
        }
        return "http-trigger\(counter)"
    }
}
