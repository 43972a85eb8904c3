import Foundation

extension S3Configuration {
    /// Parses `s3://bucket/prefix?endpoint=http://127.0.0.1:8333&region=us-east-1&style=path`
    /// (`blobs.url`, `AEGIS_BLOBS_URL`).
    ///
    /// Without `endpoint` the bucket is on AWS (`https://s3.<region>.amazonaws.com`) and addressed
    /// virtual-hosted; with one, path-style, unless `style` says otherwise. The region falls back to
    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, then `us-east-1`.
    /// - Parameters:
    ///   - url: The `s3://` URL.
    ///   - credentials: Explicit credentials (from the configuration file); `nil` to read
    ///     `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from `environment`.
    ///   - environment: The process environment.
    /// - Throws: `S3Error.Code.invalidConfiguration` naming what is wrong.
    public init(url: String, credentials: SigV4Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
    {
        func invalid(_ reason: String) -> S3Error {
            S3Error(.invalidConfiguration, "blobs URL '\(Self.redacted(url))' \(reason)")
        }
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "s3" else {
            throw invalid("is not of the form s3://bucket/prefix?endpoint=…&region=…")
        }
        guard let bucket = components.host, Self.isValidBucket(bucket) else {
            throw invalid("needs a bucket name of 3 to 63 lowercase letters, digits, '-' and '.' after s3://")
        }
        guard components.user == nil, components.password == nil, components.port == nil else {
            throw invalid("has a user, password or port; credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["endpoint", "region", "style"].contains(item.name) else {
                throw invalid("has an unknown parameter '\(item.name)' (known: endpoint, region, style)")
            }
            guard let value = item.value, !value.isEmpty, options[item.name] == nil else {
                throw invalid("has an empty or repeated '\(item.name)'")
            }
            options[item.name] = value
        }
        let region = options["region"] ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        var endpoint = S3Endpoint.aws(region: region)
        if let text = options["endpoint"] {
            guard let parsed = Self.endpoint(text) else {
                throw invalid("has an endpoint that is not http(s)://host[:port]: '\(text)'")
            }
            endpoint = parsed
        }
        let style: AddressingStyle
        switch options["style"] {
        case nil: style = options["endpoint"] == nil ? .virtualHosted : .path
        case let text?:
            guard let parsed = AddressingStyle(rawValue: text) else { throw invalid("has style '\(text)'; use path or virtual") }
            style = parsed
        }
        guard let credentials = credentials ?? SigV4Credentials(environment: environment) else {
            throw invalid("has no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the configuration file's keys)")
        }
        let prefix = components.path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        self.init(bucket: bucket, prefix: prefix, endpoint: endpoint, region: region, style: style, credentials: credentials)
    }

    private static func endpoint(_ text: String) -> S3Endpoint? {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = parts.host, !host.isEmpty, parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.user == nil
        else { return nil }
        return S3Endpoint(scheme: scheme, host: host, port: parts.port)
    }

    /// S3's bucket naming rules, loosely: 3–63 characters of `a-z 0-9 - .`, starting and ending
    /// with a letter or digit.
    static func isValidBucket(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (3...63).contains(bytes.count), let first = bytes.first, let last = bytes.last,
            isAlphanumeric(first), isAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// The URL without anything after `@` in its authority, should someone put a secret there.
    private static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let start = url.range(of: "://")?.upperBound, start < at else { return url }
        return url[..<start] + "…" + url[at...]
    }
}
