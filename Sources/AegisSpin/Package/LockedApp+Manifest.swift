extension LockedApp {
    /// The locked form of a manifest's application metadata, variables and triggers, with the
    /// given components (whose sources and files the packager has resolved).
    init(manifest: SpinManifest, components: [Component]) {
        var metadata: [String: JSONValue] = [
            "name": .string(manifest.application.name),
            "triggers": .object(manifest.triggerSettings),
        ]
        metadata["version"] = manifest.application.version.map(JSONValue.string)
        metadata["description"] = manifest.application.description.map(JSONValue.string)
        if !manifest.application.authors.isEmpty {
            metadata["authors"] = .array(manifest.application.authors.map(JSONValue.string))
        }
        if !manifest.httpTriggers.isEmpty {
            // Spin repeats the settings of a single trigger type under "trigger" for older hosts.
            var single = manifest.triggerSettings["http"]?.objectValue ?? [:]
            single["type"] = .string("http")
            metadata["trigger"] = .object(single)
        }
        self.init(
            metadata: metadata,
            variables: manifest.variables.mapValues { variable in
                Variable(description: variable.description, defaultValue: variable.defaultValue, isSecret: variable.isSecret)
            },
            triggers: manifest.httpTriggers.map { trigger in
                Trigger(id: trigger.id, triggerType: "http", triggerConfig: trigger.lockedConfig)
            },
            components: components
        )
    }
}

extension SpinManifest.Component {
    /// The component metadata Spin's loader records.
    var lockedMetadata: [String: JSONValue] {
        var metadata: [String: JSONValue] = [:]
        metadata["description"] = description.map(JSONValue.string)
        let lists = [
            ("allowed_outbound_hosts", allowedOutboundHosts), ("key_value_stores", keyValueStores), ("databases", sqliteDatabases),
            ("ai_models", aiModels),
        ]
        for (key, values) in lists where !values.isEmpty {
            metadata[key] = .array(values.map(JSONValue.string))
        }
        metadata["build"] = build
        return metadata
    }
}
