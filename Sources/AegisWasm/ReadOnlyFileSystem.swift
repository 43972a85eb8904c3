@_spi(WASIPlatform) import WASI

/// The guest's files: an in-memory tree the host filled before the run (nothing of the host's own
/// file system is reachable), through which nothing can be created, changed or removed.
struct ReadOnlyFileSystem: FileSystemImplementation {
    let base: MemoryFileSystem

    func preopenDirectory(guestPath: String, hostPath: String) throws -> any WASIDir {
        ReadOnlyDirectory(base: try base.preopenDirectory(guestPath: guestPath, hostPath: hostPath))
    }

    func openAt(
        dirFd: any WASIDir, path: String, oflags: WASIAbi.Oflags, fsRightsBase: WASIAbi.Rights, fsRightsInheriting: WASIAbi.Rights,
        fdflags: WASIAbi.Fdflags, symlinkFollow: Bool
    ) throws -> FdEntry {
        guard let directory = dirFd as? ReadOnlyDirectory else { throw WASIAbi.Errno.EBADF }
        let writing: WASIAbi.Rights = [.FD_WRITE, .FD_ALLOCATE, .FD_FILESTAT_SET_SIZE]
        guard !oflags.contains(.CREAT), !oflags.contains(.TRUNC), fsRightsBase.isDisjoint(with: writing),
            !fdflags.contains(.APPEND)
        else { throw WASIAbi.Errno.EROFS }
        let entry = try base.openAt(
            dirFd: directory.base, path: path, oflags: oflags, fsRightsBase: fsRightsBase, fsRightsInheriting: fsRightsInheriting,
            fdflags: fdflags, symlinkFollow: symlinkFollow)
        switch entry {
        case .directory(let opened): return .directory(ReadOnlyDirectory(base: opened))
        case .file: return entry
        }
    }
}

/// A directory whose changes are all refused with `EROFS`.
struct ReadOnlyDirectory: WASIDir {
    let base: any WASIDir

    var preopenPath: String? { base.preopenPath }
    func attributes() throws -> WASIAbi.Filestat { try base.attributes() }
    func fileType() throws -> WASIAbi.FileType { try base.fileType() }
    func status() throws -> WASIAbi.Fdflags { try base.status() }
    func advise(offset: WASIAbi.FileSize, length: WASIAbi.FileSize, advice: WASIAbi.Advice) throws {}
    func close() throws { try base.close() }
    func readlink(atPath path: String) throws -> [UInt8] { try base.readlink(atPath: path) }
    func readEntries(cookie: WASIAbi.DirCookie) throws -> WASIReaddirEntries { try base.readEntries(cookie: cookie) }
    func attributes(path: String, symlinkFollow: Bool) throws -> WASIAbi.Filestat {
        try base.attributes(path: path, symlinkFollow: symlinkFollow)
    }

    func setTimes(atim: WASIAbi.Timestamp, mtim: WASIAbi.Timestamp, fstFlags: WASIAbi.FstFlags) throws { throw WASIAbi.Errno.EROFS }
    func createDirectory(atPath path: String) throws { throw WASIAbi.Errno.EROFS }
    func removeDirectory(atPath path: String) throws { throw WASIAbi.Errno.EROFS }
    func removeFile(atPath path: String) throws { throw WASIAbi.Errno.EROFS }
    func symlink(from sourcePath: String, to destPath: String) throws { throw WASIAbi.Errno.EROFS }
    func rename(from sourcePath: String, toDir newDir: any WASIDir, to destPath: String) throws { throw WASIAbi.Errno.EROFS }
    func setFilestatTimes(
        path: String, atim: WASIAbi.Timestamp, mtim: WASIAbi.Timestamp, fstFlags: WASIAbi.FstFlags, symlinkFollow: Bool
    ) throws { throw WASIAbi.Errno.EROFS }
}
