/// The percent-encoding of Signature V4: every byte of the UTF-8 form except the unreserved
/// characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, upper-case hex.
enum SigV4Encoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Encodes everything but the unreserved characters (a query name or value, one path segment).
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes a path segment by segment, keeping the `/` between them (and any repeated or trailing
    /// `/`, which S3 keys may contain).
    static func encodePath(_ path: String) -> String {
        encode(path, keepingSlash: true)
    }
}
