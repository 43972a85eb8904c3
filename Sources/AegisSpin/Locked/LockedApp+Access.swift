extension LockedApp {
    /// The component with the given id.
    public func component(_ id: String) -> Component? {
        components.first { $0.id == id }
    }

    /// The HTTP triggers, parsed from their `trigger_config`.
    /// - Throws: ``SpinError`` `LOCKED_APP_INVALID` for a malformed config, `UNSUPPORTED` for
    ///   triggers of other types or HTTP features AegisGuard lacks (static responses, middleware).
    public func httpTriggers() throws -> [SpinHTTPTrigger] {
        try triggers.map { trigger in
            guard trigger.triggerType == "http" else {
                throw SpinError(.unsupported, "trigger '\(trigger.id)' has type '\(trigger.triggerType)'; only http is supported")
            }
            guard let config = trigger.triggerConfig.objectValue else {
                throw SpinError(.lockedAppInvalid, "trigger '\(trigger.id)' has no trigger_config object")
            }
            if !trigger.triggerDependencies.isEmpty {
                throw SpinError(.unsupported, "trigger '\(trigger.id)': trigger dependencies (middleware) are not supported")
            }
            return try SpinHTTPTrigger(id: trigger.id, config: config, invalid: .lockedAppInvalid)
        }
    }

    /// The configuration of a component with its templates resolved: each `{{ name }}` takes the
    /// value given in `values`, else the variable's default.
    /// - Parameters:
    ///   - componentID: The component.
    ///   - values: Values supplied for application variables (for example by the tenant).
    /// - Throws: ``SpinError`` `VARIABLE_INVALID` when a referenced variable is undeclared or
    ///   required but not supplied.
    public func resolvedConfig(of componentID: String, values: [String: String] = [:]) throws -> [String: String] {
        guard let component = component(componentID) else { return [:] }
        var known: [String: String] = [:]
        for (name, variable) in variables {
            if let value = values[name] ?? variable.defaultValue { known[name] = value }
        }
        return try component.config.mapValues { template in
            let template = try SpinTemplate(template)
            for name in template.references where known[name] == nil {
                let problem = variables[name] == nil ? "is not declared" : "is required but has no value"
                throw SpinError(.variableInvalid, "component '\(componentID)': variable '\(name)' \(problem)")
            }
            return try template.render(known)
        }
    }
}
