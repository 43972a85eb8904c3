extension SpinHTTPTrigger {
    /// Reads the `route`, `component` and `executor` members of a trigger table.
    /// - Parameter invalid: The code to throw for a malformed table (manifest or locked app).
    init(id: String, config: [String: JSONValue], invalid: SpinError.Code) throws {
        let context = "trigger '\(id)'"
        guard let component = config["component"] else {
            if config["static_response"] != nil {
                throw SpinError(.unsupported, "\(context): static_response triggers are not supported")
            }
            throw SpinError(invalid, "\(context) has no component")
        }
        guard let componentID = component.stringValue else {
            throw SpinError(.unsupported, "\(context): inline component tables are not supported; define [component.<id>] and refer to it")
        }
        for key in ["components", "dependencies"] where !(config[key]?.isEmptyCollection ?? true) {
            throw SpinError(.unsupported, "\(context): trigger '\(key)' (middleware) are not supported")
        }
        self.init(
            id: id,
            route: try Self.route(config["route"], context: context, invalid: invalid),
            component: componentID,
            executor: try Self.executor(config["executor"], context: context, invalid: invalid)
        )
    }

    /// The `trigger_config` Spin stores in a locked application for this trigger.
    var lockedConfig: JSONValue {
        var config: [String: JSONValue] = ["component": .string(component)]
        switch route {
        case .path(let path): config["route"] = .string(path)
        case .private: config["route"] = .object(["private": .bool(true)])
        }
        if case .wagi(let wagi) = executor {
            var table: [String: JSONValue] = ["type": .string("wagi")]
            if wagi.argv != WAGIExecutor.defaultArgv { table["argv"] = .string(wagi.argv) }
            if wagi.entrypoint != WAGIExecutor.defaultEntrypoint { table["entrypoint"] = .string(wagi.entrypoint) }
            config["executor"] = .object(table)
        }
        return .object(config)
    }

    private static func route(_ value: JSONValue?, context: String, invalid: SpinError.Code) throws -> Route {
        switch value {
        case .string(let path):
            return .path(path)
        case .object(let table) where table["private"] == .bool(true):
            return .private
        case .object(let table) where table["private"] == .bool(false):
            throw SpinError(.routeInvalid, "\(context): route must be a string pattern or { private = true }, not { private = false }")
        case nil:
            throw SpinError(invalid, "\(context) has no route")
        default:
            throw SpinError(invalid, "\(context): route must be a string pattern or { private = true }")
        }
    }

    private static func executor(_ value: JSONValue?, context: String, invalid: SpinError.Code) throws -> Executor {
        guard let value else { return .http }
        guard let table = value.objectValue, let type = table["type"]?.stringValue else {
            throw SpinError(invalid, "\(context): executor must be a table with a string 'type'")
        }
        switch type {
        case "http", "spin":
            return .http
        case "wagi":
            var wagi = WAGIExecutor()
            for key in ["argv", "entrypoint"] where table[key] != nil && table[key]?.stringValue == nil {
                throw SpinError(invalid, "\(context): executor \(key) must be a string")
            }
            if let argv = table["argv"]?.stringValue { wagi.argv = argv }
            if let entrypoint = table["entrypoint"]?.stringValue { wagi.entrypoint = entrypoint }
            return .wagi(wagi)
        default:
            throw SpinError(.unsupported, "\(context): executor type '\(type)' is not supported (http, wagi)")
        }
    }
}

extension JSONValue {
    /// Whether this is an empty array or object.
    var isEmptyCollection: Bool {
        switch self {
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }
}
