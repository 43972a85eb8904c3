import AegisCore
import AegisOperations
import AegisRegistry
import AegisSpin
import Foundation
import Hummingbird

extension APIController {
    func addRetentionRoutes(to api: RouterGroup<AegisRequestContext>) {
        api.get("tenants/:tenant/retention") { request, context in
            let caller = try await caller(request, context)
            return try json(try await operations.retention.policy(of: try tenantParameter(context), caller))
        }
        api.put("tenants/:tenant/retention") { request, context in
            let caller = try await caller(request, context)
            let tenant = try tenantParameter(context)
            let body = try await decode(RetentionBody.self, from: request)
            return try json(try await operations.retention.setPolicy(RetentionPolicy(rules: body.rules), of: tenant, caller))
        }
        api.get("tenants/:tenant/retention/plan") { request, context in
            let caller = try await caller(request, context)
            return try json(try await operations.retention.plan(for: try tenantParameter(context), caller))
        }
        api.post("tenants/:tenant/retention/apply") { request, context in
            let caller = try await caller(request, context)
            return try json(try await operations.retention.apply(to: try tenantParameter(context), caller))
        }
    }
}

/// `{"rules":[…]}`; members inside the rules are checked too: an unknown one is a 400, as at the top.
struct RetentionBody: APIRequestBody {
    static let fields: Set<String> = ["rules"]
    static let ruleFields: Set<String> = ["repositories", "keepTags", "deleteUntagged", "untaggedGraceDays"]
    static let entryFields: Set<String> = ["patterns", "mostRecentlyPushedCount", "mostRecentlyPulledCount", "pushedWithinDays", "pulledWithinDays"]
    var rules: [RetentionPolicy.Rule]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .rules)
        var rules: [RetentionPolicy.Rule] = []
        while !list.isAtEnd {
            let rule = try list.decode(Members.self)
            try Self.refuseUnknown(rule.keys, known: Self.ruleFields, in: "a rule")
            guard rule.nulls.isEmpty else {
                throw APIError.badRequest("members are omitted, never null: \(rule.nulls.sorted().joined(separator: ", "))")
            }
            rules.append(try rule.decode(RetentionPolicy.Rule.self))
            for entry in rule.entries { try Self.refuseUnknown(entry, known: Self.entryFields, in: "a keepTags entry") }
        }
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case rules }

    private static func refuseUnknown(_ keys: Set<String>, known: Set<String>, in place: String) throws {
        let unknown = keys.subtracting(known)
        guard unknown.isEmpty else { throw APIError.badRequest("unknown members in \(place): \(unknown.sorted().joined(separator: ", "))") }
    }

    /// One rule as JSON: its member names (and its entries'), then decoded as the rule.
    struct Members: Decodable {
        var keys: Set<String>
        var entries: [Set<String>]
        /// Members (of the rule or its entries) given as `null`.
        var nulls: Set<String> = []
        private var data: Data

        init(from decoder: any Decoder) throws {
            let value = try JSONValue(from: decoder)
            guard case .object(let members) = value else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a rule is an object"))
            }
            keys = Set(members.keys)
            nulls = Set(members.filter { if case .null = $0.value { true } else { false } }.keys)
            entries = []
            if case .array(let list) = members["keepTags"] {
                for case .object(let entry) in list {
                    entries.append(Set(entry.keys))
                    nulls.formUnion(entry.filter { if case .null = $0.value { true } else { false } }.keys)
                }
            }
            data = try JSONEncoder().encode(value)
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: data) }
    }
}
