/// The directory holding `spin.toml`, as the packager sees it. Paths are relative to that
/// directory and `/`-separated, without a leading slash; `""` is the directory itself.
///
/// Back it with the file system in the caller; ``InMemorySpinSourceTree`` serves tests and
/// uploaded archives.
public protocol SpinSourceTree: Sendable {
    /// Every regular file below `directory`, at any depth, as paths relative to the tree root.
    /// - Throws: ``SpinError`` `FILE_NOT_FOUND` when `directory` is not a directory.
    func list(directory: String) throws -> [String]
    /// The bytes of a file.
    /// - Throws: ``SpinError`` `FILE_NOT_FOUND` when there is no such file.
    func read(_ path: String) throws -> [UInt8]
}

/// A source tree held in memory: file paths mapped to their bytes.
public struct InMemorySpinSourceTree: SpinSourceTree, Hashable {
    /// The files by relative path.
    public var files: [String: [UInt8]]

    /// Creates a tree from files by relative path.
    public init(files: [String: [UInt8]]) {
        self.files = files
    }

    public func list(directory: String) throws -> [String] {
        let prefix = directory.isEmpty ? "" : directory + "/"
        let paths = files.keys.filter { $0.hasPrefix(prefix) }.sorted()
        guard !paths.isEmpty else { throw SpinError(.fileNotFound, "no directory '\(directory)'") }
        return paths
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let bytes = files[path] else { throw SpinError(.fileNotFound, "no file '\(path)'") }
        return bytes
    }
}
