extension SpinManifest.Component {
    init(parsing table: ManifestTable, id: String, variables: [String: SpinManifest.Variable]) throws {
        if let dependencies = table.members["dependencies"], !dependencies.isEmptyCollection {
            throw SpinError(.unsupported, "component '\(id)': component dependencies are not supported; compose the component before pushing")
        }
        self.id = id
        self.description = try table.nonEmptyString("description")
        self.source = try Self.source(table)
        self.files = try Self.files(table)
        self.excludeFiles = try table.strings("exclude_files")
        self.environment = try table.stringMap("environment")
        self.variables = try table.stringMap("variables")
        self.allowedOutboundHosts = try table.strings("allowed_outbound_hosts")
        self.keyValueStores = try table.strings("key_value_stores")
        self.sqliteDatabases = try table.strings("sqlite_databases")
        self.aiModels = try table.strings("ai_models")
        self.build = table.members["build"]
        for (name, template) in self.variables {
            try SpinIdentifier.validateLowerSnake(name, what: "component '\(id)' variable")
            for reference in try SpinTemplate(template).references where variables[reference] == nil {
                throw SpinError(.variableInvalid, "component '\(id)' variable '\(name)' refers to undeclared variable '\(reference)'")
            }
        }
    }

    private static func source(_ table: ManifestTable) throws -> SpinManifest.Source {
        switch table.members["source"] {
        case .string(let path):
            return .local(path)
        case .object(let members):
            let source = ManifestTable(members: members, path: "\(table.path).source")
            if source.contains("url") {
                return .remote(url: try source.requiredString("url"), digest: try source.requiredString("digest"))
            }
            if source.contains("package") || source.contains("registry") {
                throw SpinError(.unsupported, "\(table.path): registry sources are not supported; use a local path or { url, digest }")
            }
            throw table.invalid("source", "must be a path or { url, digest }")
        case nil:
            throw SpinError(.manifestInvalid, "\(table.path) needs 'source'")
        default:
            throw table.invalid("source", "must be a path or { url, digest }")
        }
    }

    private static func files(_ table: ManifestTable) throws -> [SpinManifest.FileMount] {
        guard let value = table.members["files"] else { return [] }
        guard let entries = value.arrayValue else { throw table.invalid("files", "must be an array") }
        return try entries.map { entry in
            switch entry {
            case .string(let pattern):
                return .pattern(pattern)
            case .object(let members):
                let mount = ManifestTable(members: members, path: "\(table.path).files")
                return .placement(source: try mount.requiredString("source"), destination: try mount.requiredString("destination"))
            default:
                throw table.invalid("files", "entries must be patterns or { source, destination }")
            }
        }
    }
}
