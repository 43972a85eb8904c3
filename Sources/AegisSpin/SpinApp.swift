/// Fermyon Spin applications: the `spin.toml` manifest (version 2), the locked application that
/// `spin registry push` stores in the registry, HTTP route matching and the WAGI (CGI over WASI)
/// contract. Pure logic: reading files and running modules is the caller's.
public enum SpinApp {}
