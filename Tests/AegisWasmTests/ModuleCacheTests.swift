import AegisCore
import Testing

@testable import AegisWasm

@Suite struct ModuleCacheTests {
    private func entry(_ name: String) throws -> (Digest, WasmModule) {
        let bytes = try Fixture.bytes(name)
        return (DigestHasher.digest(of: bytes), try WasmModule(parsing: bytes))
    }

    @Test func theCacheIsBoundedInBytesAndCountLeastRecentlyUsedFirst() throws {
        let (hello, helloModule) = try entry("hello")
        let (echo, echoModule) = try entry("echo")
        let (exit, exitModule) = try entry("exit")
        let cache = ModuleCache(capacity: 2, maxBytes: helloModule.byteCount + echoModule.byteCount)
        cache[hello] = helloModule
        cache[echo] = echoModule
        #expect(cache.usage.count == 2 && cache.usage.bytes == helloModule.byteCount + echoModule.byteCount)
        _ = cache[hello]  // now echo is the least recently used
        cache[exit] = exitModule  // over both bounds: echo goes, then hello
        #expect(cache[echo] == nil)
        #expect(cache.usage.bytes <= helloModule.byteCount + echoModule.byteCount)
        #expect(cache[exit] != nil)

        let small = ModuleCache(capacity: 8, maxBytes: 1)
        small[hello] = helloModule
        #expect(small.usage.count == 1)  // the newest stays even alone over the budget
        small[exit] = exitModule
        #expect(small[hello] == nil && small.usage.count == 1)
    }
}
