/// Media types of Spin's OCI artifacts (`spin registry push`).
public enum SpinMediaType {
    /// A component's Wasm binary.
    public static let wasmLayer = "application/vnd.wasm.content.layer.v1+wasm"
    /// A Wasm binary pushed by `wkg`; Spin accepts it on pull.
    public static let wkgWasmLayer = "application/wasm"
    /// One static file of a component.
    public static let dataLayer = "application/vnd.wasm.content.layer.v1+data"
    /// A gzipped tar of a component's files (used past 500 layers; not produced here).
    public static let archiveLayer = "application/vnd.wasm.content.bundle.v1.tar+gzip"
    /// The locked application JSON (the last layer; the config blob in old artifacts).
    public static let lockedApp = "application/vnd.fermyon.spin.application.v1+config"
    /// The image config label that ties the config to the locked application.
    public static let lockedAppDigestLabel = "com.fermyon.spin.lockedAppDigest"
}
