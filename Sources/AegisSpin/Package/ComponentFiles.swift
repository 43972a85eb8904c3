/// Resolves a component's `files` and `exclude_files` against a source tree the way Spin's loader
/// copies them: guest path (relative, `/`-separated) → source path.
struct ComponentFiles {
    let tree: any SpinSourceTree
    let component: SpinManifest.Component

    /// Guest path → source path; a later mount wins over an earlier one for the same guest path.
    func resolve() throws -> [String: String] {
        let excludes = try component.excludeFiles.map(GlobPattern.init)
        var placed: [String: String] = [:]
        for mount in component.files {
            for (guest, source) in try files(for: mount, excluding: excludes) {
                placed[guest] = source
            }
        }
        return placed
    }

    private func files(for mount: SpinManifest.FileMount, excluding excludes: [GlobPattern]) throws -> [(String, String)] {
        switch mount {
        case .pattern(let pattern):
            if pattern == "." || pattern.hasSuffix("/.") {
                throw SpinError(.filePathInvalid, "file pattern '\(pattern)' ends in '.'; use { source, destination } or a pattern ending in **/*")
            }
            let path = try Self.relativePath(pattern, what: "file pattern")
            if GlobPattern.isPattern(path), try kind(of: path) == nil {
                let glob = try GlobPattern(path)
                return try listing(Self.literalDirectory(of: path))
                    .filter { glob.matches($0, literalSeparator: true) && !isExcluded($0, excludes) }
                    .map { ($0, $0) }
            }
            return try place(path, at: path, excluding: excludes)
        case .placement(let source, let destination):
            let destination = try Self.guestPath(destination)
            return try place(try Self.relativePath(source, what: "file source"), at: destination, excluding: excludes)
        }
    }

    /// A file goes to `destination`; a directory's files go below it (minus exclusions).
    private func place(_ source: String, at destination: String, excluding excludes: [GlobPattern]) throws -> [(String, String)] {
        switch try kind(of: source) {
        case .file:
            guard !destination.isEmpty else {
                throw SpinError(.filePathInvalid, "component '\(component.id)': '/' is not a valid destination file name for '\(source)'")
            }
            return [(destination, source)]
        case .directory(let files):
            return files.filter { !isExcluded($0, excludes) }.map { file in
                let relative = source.isEmpty ? file : String(file.dropFirst(source.count + 1))
                return (destination.isEmpty ? relative : "\(destination)/\(relative)", file)
            }
        case nil:
            throw SpinError(.fileNotFound, "component '\(component.id)': '\(source)' does not exist and is not a glob pattern")
        }
    }

    private enum Kind {
        case file
        case directory([String])
    }

    private func kind(of path: String) throws -> Kind? {
        let below = try listing(path)
        if !below.isEmpty { return .directory(below) }
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        return try listing(parent).contains(path) ? .file : nil
    }

    /// The files below a directory; none when it does not exist.
    private func listing(_ directory: String) throws -> [String] {
        do {
            return try tree.list(directory: directory)
        } catch let error as SpinError where error.code == .fileNotFound {
            return []
        }
    }

    private func isExcluded(_ path: String, _ excludes: [GlobPattern]) -> Bool {
        excludes.contains { $0.matches(path, literalSeparator: false) }
    }

    /// The leading components of a pattern that have no glob syntax: the directory to list.
    private static func literalDirectory(of pattern: String) -> String {
        let components = pattern.split(separator: "/").dropLast()
        return components.prefix { !GlobPattern.isPattern(String($0)) }.joined(separator: "/")
    }

    /// A path inside the app directory: relative, without `.` or `..` components.
    static func relativePath(_ path: String, what: String) throws -> String {
        guard !path.hasPrefix("/") else {
            throw SpinError(.filePathInvalid, "\(what) '\(path)' must be relative to the manifest directory")
        }
        let components = path.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else {
            throw SpinError(.filePathInvalid, "\(what) '\(path)' leaves the application directory")
        }
        return components.joined(separator: "/")
    }

    /// A guest path without its leading slash; `..` is refused.
    static func guestPath(_ path: String) throws -> String {
        let components = path.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else {
            throw SpinError(.filePathInvalid, "destination '\(path)' must not contain '..'")
        }
        return components.joined(separator: "/")
    }
}
