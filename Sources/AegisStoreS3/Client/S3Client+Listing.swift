import NIOHTTP1

extension S3Client {
    /// ListObjectsV2: one page of the objects whose key (relative to the configuration's prefix)
    /// starts with `prefix`.
    /// - Parameters:
    ///   - prefix: The key prefix; empty for every key under the configuration's prefix.
    ///   - continuationToken: The previous page's `nextContinuationToken`.
    ///   - maxKeys: At most this many objects (S3's cap and default: 1,000).
    public func listObjects(prefix: String = "", continuationToken: String? = nil, maxKeys: Int? = nil) async throws -> S3ObjectPage {
        let root = configuration.prefix.isEmpty ? "" : configuration.prefix + "/"
        var query: [SigV4Request.QueryItem] = [.init("list-type", "2"), .init("prefix", root + prefix)]
        if let continuationToken { query.append(.init("continuation-token", continuationToken)) }
        if let maxKeys { query.append(.init("max-keys", String(maxKeys))) }
        let operation = S3Operation(name: "ListObjectsV2", method: .GET, key: nil, query: query)
        return try await send(operation) { response in
            let result = try await Self.document(response, operation: operation.name)
            var objects: [S3ObjectPage.Object] = []
            for entry in result.children("Contents") {
                guard let key = entry.value("Key"), key.hasPrefix(root), let size = entry.value("Size").flatMap({ Int64($0) }) else {
                    throw S3Error(.malformedResponse, "ListObjectsV2 answered an entry without a key under '\(root)' or a size")
                }
                objects.append(
                    S3ObjectPage.Object(
                        key: String(key.dropFirst(root.count)), size: size, etag: entry.value("ETag") ?? "",
                        lastModified: entry.value("LastModified").flatMap(HTTPDate.parseISO8601)))
            }
            let truncated = result.value("IsTruncated") == "true"
            let next = result.value("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
            if truncated && next == nil {
                throw S3Error(.malformedResponse, "ListObjectsV2 answered a truncated page without a NextContinuationToken")
            }
            return S3ObjectPage(objects: objects, nextContinuationToken: truncated ? next : nil)
        }
    }

    /// Calls `body` for every object under `prefix`, page by page (for sweeps).
    public func forEachObject(prefix: String = "", pageSize: Int? = nil, _ body: (S3ObjectPage.Object) async throws -> Void)
        async throws
    {
        var token: String?
        repeat {
            let page = try await listObjects(prefix: prefix, continuationToken: token, maxKeys: pageSize)
            for object in page.objects { try await body(object) }
            token = page.nextContinuationToken
        } while token != nil
    }
}
