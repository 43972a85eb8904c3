/// What a verified TLS client certificate says about its holder: the surface extracts it from the
/// handshake, and the identity service maps it to a robot (see `RobotRecord.certificateIdentity`).
public struct ClientCertificate: Sendable, Hashable {
    /// The subject distinguished name in RFC 4514 form (`CN=ci,O=Acme`).
    public var subject: String
    /// The URI subject alternative names; SPIFFE IDs are those starting `spiffe://`.
    public var uris: [String]

    public init(subject: String, uris: [String]) {
        self.subject = subject
        self.uris = uris
    }

    /// The identities a robot may be bound to, in the order they are tried: SPIFFE IDs first
    /// (they name a workload; subjects are often reused), then the subject.
    public var identities: [String] {
        uris.filter { $0.hasPrefix("spiffe://") } + (subject.isEmpty ? [] : [Self.normalizedSubject(subject)])
    }

    /// Checks and normalizes an identity for a robot: a SPIFFE ID, or a distinguished name whose
    /// attribute types are upper-cased and whose separators carry no spaces.
    /// - Returns: nil when it is neither.
    public static func normalizedIdentity(_ text: String) -> String? {
        if text.hasPrefix("spiffe://") {
            let rest = text.dropFirst("spiffe://".count)
            guard let domain = rest.split(separator: "/", omittingEmptySubsequences: false).first, !domain.isEmpty,
                text.utf8.count <= 2048, !text.contains(where: { $0.isWhitespace })
            else { return nil }
            return text
        }
        let subject = normalizedSubject(text)
        let parts = relativeNames(subject)
        guard !parts.isEmpty, subject.utf8.count <= 1024,
            parts.allSatisfy({ part in
                guard let equals = part.firstIndex(of: "=") else { return false }
                return !part[..<equals].isEmpty && part[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." })
            })
        else { return nil }
        return subject
    }

    /// `cn = ci , o=Acme` → `CN=ci,O=Acme` (escaped commas are kept).
    static func normalizedSubject(_ text: String) -> String {
        relativeNames(text).map { part in
            guard let equals = part.firstIndex(of: "=") else { return part.trimmingSpaces }
            return part[..<equals].trimmingSpaces.uppercased() + "=" + part[part.index(after: equals)...].trimmingSpaces
        }.joined(separator: ",")
    }

    /// The `type=value` parts of a distinguished name, split at the commas that are not escaped.
    private static func relativeNames(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
