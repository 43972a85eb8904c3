import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AegisServer

/// The contract file and the router agree both ways, and the contract keeps its shared parts.
@Suite struct OpenAPIContractTests {
    private func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as? [String: Any])
    }

    /// `(path with :params, method)` for every documented operation.
    private func documented() throws -> Set<String> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        var operations: Set<String> = []
        for (path, item) in paths {
            let routed = path.replacing(/\{([a-z]+)\}/) { ":" + $0.output.1 }
            for method in item.keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                operations.insert("\(method.uppercased()) \(routed)")
            }
        }
        return operations
    }

    /// Every routed method but HEAD (which GET implies) and the contract's own URL.
    private var routed: Set<String> {
        var operations: Set<String> = []
        for (path, methods) in APIController.routes where path != "/api/v1/openapi.json" {
            for method in methods where method != .head { operations.insert("\(method.rawValue) \(path)") }
        }
        return operations
    }

    @Test func everyRouteIsDocumented() throws {
        let missing = routed.subtracting(try documented())
        #expect(missing.isEmpty, "routed but not in openapi.json: \(missing.sorted())")
    }

    @Test func everyDocumentedOperationIsRouted() throws {
        let missing = try documented().subtracting(routed)
        #expect(missing.isEmpty, "in openapi.json but not routed: \(missing.sorted())")
    }

    @Test func headIsRoutedWhereverGetIs() {
        for (path, methods) in APIController.routes where methods.contains(.get) {
            #expect(methods.contains(.head), "\(path)")
        }
    }

    /// Error answers are problem documents, the common ones defined once in
    /// `components/responses`, and a problem requires its `code`.
    @Test func errorAnswersAreSharedAndProblemsCarryACode() throws {
        let document = try document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for case (let method, let operation as [String: Any]) in item {
                let responses = try #require(operation["responses"] as? [String: [String: Any]], "\(method) \(path)")
                // The common answers are shared; an operation's own (422, a 403 that explains the
                // budget) may be inline, but is still a problem document.
                for (status, response) in responses where status.hasPrefix("4") {
                    if ["401", "404"].contains(status) {
                        #expect(response.keys.sorted() == ["$ref"], "\(method) \(path) \(status) is inline")
                    } else if response["$ref"] == nil {
                        let content = response["content"] as? [String: [String: [String: String]]]
                        #expect(
                            content?["application/problem+json"]?["schema"]?["$ref"] == "#/components/schemas/Problem",
                            "\(method) \(path) \(status)")
                    }
                }
            }
        }
        let components = try #require(document["components"] as? [String: Any])
        let shared = try #require(components["responses"] as? [String: Any])
        #expect(shared["Unauthorized"] != nil)
        let schemas = try #require(components["schemas"] as? [String: [String: Any]])
        let problem = try #require(schemas["Problem"])
        #expect((problem["required"] as? [String])?.contains("code") == true)
        #expect((problem["properties"] as? [String: Any])?["reason"] != nil)
    }

    /// HEAD answers like GET, without the body, on every route that takes GET (it was 405 on
    /// /api/v1 while `Allow` listed HEAD).
    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withRegistry(as: nil) { client in
            let admin: HTTPFields = [.authorization: basic(TestRegistry.admin.user, TestRegistry.admin.password)]
            for (path, methods) in APIController.routes where methods.contains(.get) {
                let uri = path.replacing(":tenant", with: "acme").replacing(":user", with: "admin")
                let get = try await client.execute(uri: uri, method: .get, headers: admin)
                let head = try await client.execute(uri: uri, method: .head, headers: admin)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
                // The invoice, the carbon ledger and the audit log record these very requests, in
                // the background, and a fee interval can end: they can grow between the GET and the
                // HEAD (and the carbon export is streamed, without a length).
                let grows = ["/gas/invoice", "/audit", "/gas/prices", "/carbon", "/carbon/export"].contains { uri.hasSuffix($0) }
                if get.status == .ok, !grows {
                    #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(uri)")
                }
            }
        }
    }
}
