import AegisCore
import Foundation
import Testing

@Suite struct StrictJSONTests {
    /// The kind of rule `bytes` breaks, nil when accepted.
    func violation(_ bytes: [UInt8]) -> StrictJSON.Violation.Kind? {
        do {
            try StrictJSON.validate(bytes)
            return nil
        } catch let violation as StrictJSON.Violation {
            return violation.kind
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"{"a":[1,-2.5e+3,0,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9"]}"#, " { \"a\" : { \"b\" : [ ] } } ",
        #"{"emoji":"\ud83d\ude00","é":"ü"}"#, #""string""#, "0", "-0.0E-1",
    ])
    func acceptsInteroperableJSON(text: String) throws {
        try StrictJSON.validate(Array(text.utf8))
    }

    @Test(arguments: [
        #"{"config":1,"config":2}"#,
        #"{"config":1,"\u0063onfig":2}"#,
        #"{"a":{"layers":[],"layers":null}}"#,
        #"[{"x":1},{"y":1,"y":1}]"#,
    ])
    func refusesDuplicateMembersAfterUnescaping(text: String) {
        #expect(violation(Array(text.utf8)) == .duplicateMember)
    }

    @Test func sameNameInDifferentObjectsIsFine() throws {
        try StrictJSON.validate(Array(#"{"a":{"x":1},"b":{"x":1}}"#.utf8))
    }

    @Test(arguments: [
        "", "{", "}", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1 2]",
        #""\x""#, #""\u12""#, "\"a\u{01}b\"", #""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#, "{} {}", "NaN", "\u{FEFF}{}",
    ])
    func refusesMalformedJSON(text: String) {
        #expect(violation(Array(text.utf8)) == .syntax, "\(text.debugDescription)")
    }

    @Test(arguments: [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] as [[UInt8]])
    func refusesInvalidUTF8(sequence: [UInt8]) {
        let bytes = Array(#"{"a":""#.utf8) + sequence + Array(#""}"#.utf8)
        #expect(violation(bytes) == .syntax)
    }

    @Test func refusesNestingDeeperThanTheLimitWithoutRecursingFurther() throws {
        try StrictJSON.validate(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(violation(Array(deep.utf8)) == .tooDeep)
    }
}
