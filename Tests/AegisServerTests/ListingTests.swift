import AegisCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

private struct TagList: Decodable {
    var name: String
    var tags: [String]
}

private struct Catalog: Decodable {
    var repositories: [String]
}

@Suite struct ListingTests {
    @Test func tagsAreListedInLexicalOrderWithPagination() async throws {
        try await withRegistry { client in
            let (manifest, digest) = try await client.pushImage(to: "acme/app", tag: "b")
            let tags = ["b", "a", "c10", "c2", "Z", "d"]
            let query = tags.dropFirst().map { "tag=\($0)" }.joined(separator: "&")
            try await client.execute(
                uri: "/v2/acme/app/manifests/\(digest)?\(query)", method: .put, headers: [.contentType: MediaType.ociManifest],
                body: ByteBuffer(bytes: manifest)
            ) { #expect($0.status == .created) }
            let sorted = tags.sorted()
            try await client.execute(uri: "/v2/acme/app/tags/list", method: .get) { response throws in
                #expect(try response.json(TagList.self).tags == sorted)
                #expect(try response.json(TagList.self).name == "acme/app")
                #expect(response.header("Link") == nil)
            }
            var collected: [String] = []
            var uri: String? = "/v2/acme/app/tags/list?n=4"
            var pages = 0
            while let next = uri, pages < 5 {
                pages += 1
                uri = try await client.execute(uri: next, method: .get) { response throws in
                    let page = try response.json(TagList.self).tags
                    #expect(page.count <= 4)
                    collected += page
                    return response.header("Link").flatMap(linkTarget)
                }
            }
            #expect(collected == sorted)
            #expect(pages == 2)
            try await client.execute(uri: "/v2/acme/app/tags/list?n=2&last=b", method: .get) { response throws in
                #expect(try response.json(TagList.self).tags == ["c10", "c2"])
                #expect(response.header("Link") == #"</v2/acme/app/tags/list?n=2&last=c2>; rel="next""#)
            }
            try await client.execute(uri: "/v2/acme/app/tags/list?last=c2", method: .get) { response throws in
                #expect(try response.json(TagList.self).tags == ["d"])
            }
            try await client.execute(uri: "/v2/acme/app/tags/list?n=0", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(try response.json(TagList.self).tags == [])
                #expect(response.header("Link") == nil)
            }
            try await client.execute(uri: "/v2/acme/app/tags/list?n=-1", method: .get) { response throws in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "PAGINATION_NUMBER_INVALID")
            }
            try await client.execute(uri: "/v2/acme/none/tags/list", method: .get) { response throws in
                #expect(response.errorCode == "NAME_UNKNOWN")
            }
        }
    }

    @Test func catalogListsRepositoriesWithPagination() async throws {
        try await withRegistry { client in
            for repository in ["acme/b", "acme/a", "globex/c", "acme/a/nested"] {
                _ = try await client.pushBlob(randomBytes(8), to: repository)
            }
            try await client.execute(uri: "/v2/_catalog", method: .get) { response throws in
                #expect(try response.json(Catalog.self).repositories == ["acme/a", "acme/a/nested", "acme/b", "globex/c"])
            }
            try await client.execute(uri: "/v2/_catalog?n=2", method: .get) { response throws in
                #expect(try response.json(Catalog.self).repositories == ["acme/a", "acme/a/nested"])
                #expect(response.header("Link") == #"</v2/_catalog?n=2&last=acme/a/nested>; rel="next""#)
            }
            try await client.execute(uri: "/v2/_catalog?n=2&last=acme/a/nested", method: .get) { response throws in
                #expect(try response.json(Catalog.self).repositories == ["acme/b", "globex/c"])
                #expect(response.header("Link") == nil)
            }
            try await client.execute(uri: "/v2/_catalog?n=0", method: .get) { response throws in
                #expect(try response.json(Catalog.self).repositories == [])
            }
        }
    }
}
