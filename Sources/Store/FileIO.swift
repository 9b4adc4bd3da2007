#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CFileSync
import MailCore

/// A file-system failure, with the path and the system's reason in plain words.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound, permissionDenied, isDirectory, notRegularFile, diskFull, other
        /// A file that decides what guardmail does, but that someone other than its owner (or
        /// root) could have written (`FileSystem.readTrusted`).
        case untrusted
    }
    public let kind: Kind
    public let path: String
    public let action: String
    public let errno: Int32
    /// The reason in words when there is no errno for it ("it is a FIFO").
    public let detail: String?

    /// A path that exists but is not a regular file (nor a directory, which has its errno):
    /// `what` is what it is instead, e.g. "it is a character device".
    public init(action: String, path: String, notRegularFile what: String) {
        self.action = action
        self.path = path
        self.errno = 0
        self.detail = what
        kind = .notRegularFile
    }

    public init(action: String, path: String, errno code: Int32) {
        self.action = action
        self.path = path
        self.errno = code
        self.detail = nil
        switch code {
        case ENOENT: kind = .notFound
        case EACCES, EPERM: kind = .permissionDenied
        case EISDIR: kind = .isDirectory
        case ENOSPC, EDQUOT: kind = .diskFull
        default: kind = .other
        }
    }

    /// A file refused by `FileSystem.readTrusted`: `why` says who could write it and how to fix it.
    public init(path: String, untrusted why: String) {
        self.action = "use"
        self.path = path
        self.errno = 0
        self.detail = why
        kind = .untrusted
    }

    /// The system's reason alone, without the action and the path ("no such file or directory").
    public var reason: String {
        switch kind {
        case .notFound: return "no such file or directory"
        case .permissionDenied: return "permission denied"
        case .isDirectory: return "it is a directory"
        case .notRegularFile: return detail ?? "it is not a regular file"
        case .untrusted: return detail ?? "others can write it"
        case .diskFull: return "the disk is full"
        case .other: return String(cString: strerror(errno)).lowercased()
        }
    }

    public var description: String { "cannot \(action) '\(path)': \(reason)" }
}

/// A file being written, buffered, as the destination of the MIME writer.
/// Created with O_EXCL and mode 0600: a spool file holds the whole message.
public final class FileSink: ByteSink {
    public let path: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    public private(set) var bytesWritten: Int64 = 0
    private let writeBehind: Int64
    private var writeBackStarted: Int64 = 0

    /// `writeBehind`: for a file that will be fsynced, start the disk writing each time this
    /// many bytes have been written (0: leave it all to the final fsync).
    public init(creating path: String, bufferSize: Int = 256 << 10, writeBehind: Int64 = 0) throws(FileError) {
        self.path = path
        self.writeBehind = writeBehind
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError(action: "create", path: path, errno: errno) }
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        if fd >= 0 { _ = close(fd) }
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if used + bytes.count > buffer.count {
            try flush()
            if bytes.count >= buffer.count {
                try writeAll(bytes)
                return
            }
        }
        (buffer.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    /// The UTF-8 bytes of `text`.
    public func write(_ text: String) throws {
        var copy = text
        try copy.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public func flush() throws(FileError) {
        guard used > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<used]))
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(action: "write", path: path, errno: errno)
            }
            offset += n
        }
        bytesWritten += Int64(bytes.count)
        if writeBehind > 0 && bytesWritten - writeBackStarted >= writeBehind {
            // A hint only: a failure here shows up again, and is reported, at the fsync.
            _ = cfilesync_start_writeback(fd, writeBackStarted, bytesWritten - writeBackStarted)
            writeBackStarted = bytesWritten
        }
    }

    /// Flushes, optionally fsyncs, and closes. Safe to call twice.
    public func finish(sync: Bool) throws(FileError) {
        guard fd >= 0 else { return }
        try flush()
        if sync && fsync(fd) != 0 { throw FileError(action: "sync", path: path, errno: errno) }
        let result = close(fd)
        fd = -1
        if result != 0 { throw FileError(action: "close", path: path, errno: errno) }
    }
}

/// A file opened for reading, as the source of an attachment's bytes.
public final class FileSource: ByteSource {
    public let path: String
    private var fd: Int32

    /// `action` words the errors: "cannot attach '/a/b': it is a directory" for an attachment,
    /// "cannot read '/a/b': …" for a file read whole (a body, a config).
    public init(path: String, action: String = "read") throws(FileError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(action: action, path: path, errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(fd)
            fd = -1
            throw FileError(action: action, path: path, errno: EISDIR)
        }
    }

    /// Takes over a descriptor already open for reading (closed by `close()`).
    init(adopting fd: Int32, path: String) {
        self.path = path
        self.fd = fd
    }

    deinit { close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FileError(action: "read", path: path, errno: errno)
        }
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Moves the read position forward by `count` bytes.
    public func skip(_ count: Int64) throws(FileError) {
        guard count > 0 else { return }
        guard lseek(fd, off_t(count), SEEK_CUR) >= 0 else { throw FileError(action: "read", path: path, errno: errno) }
    }
}

/// Opens attachments from the file system by their `source` path.
public struct FileAttachmentOpener: AttachmentOpener {
    public init() {}
    public func open(_ attachment: Attachment) throws -> any ByteSource {
        try FileSource(path: attachment.source, action: "attach")
    }
}

public enum FileSystem {
    /// The size of a file that can be attached, or the reason it cannot: it must exist, be a
    /// regular file — not a directory, a device, a FIFO or a socket, whose reading would block
    /// or never end — and be readable. Only stat(2) and access(2): nothing is opened, so a
    /// FIFO cannot block. The one check for `send`, `bulk` and the composer
    /// (`Delivery.loadAttachments`). `readable` is access(2) by default (errno, 0 when
    /// readable); tests pass their own, since root may read anything.
    public static func regularFileSize(
        _ path: String, readable: (String) -> Int32 = { access($0, R_OK) == 0 ? 0 : errno }
    ) throws(FileError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileError(action: "attach", path: path, errno: errno) }
        if let what = notRegularFile(mode: info.st_mode) {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(action: "attach", path: path, errno: EISDIR) }
            throw FileError(action: "attach", path: path, notRegularFile: what)
        }
        let code = readable(path)
        guard code == 0 else { throw FileError(action: "read", path: path, errno: code) }
        return Int64(info.st_size)
    }

    /// What a file mode is when it is not a regular file ("it is a FIFO (named pipe)"), or nil.
    public static func notRegularFile(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a directory"
        case S_IFCHR: return "it is a character device"
        case S_IFBLK: return "it is a block device"
        case S_IFIFO: return "it is a FIFO (named pipe)"
        case S_IFSOCK: return "it is a socket"
        default: return "it is not a regular file"
        }
    }

    /// Creates a directory and its parents with the given mode (like `mkdir -p`).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileError(action: "create the folder", path: current, errno: errno)
            }
        }
    }

    public static func remove(_ path: String) { _ = unlink(path) }

    /// `~` and `~/…` at the start of a typed path, from $HOME; `~user` and `~user/…` from that
    /// user's home directory (getpwnam). Other paths, and an unknown user, are left as typed
    /// (the check that follows then says there is no such file).
    public static func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = String(path[path.index(after: path.startIndex)..<slash])
        if user.isEmpty { return (environment("HOME") ?? "") + path[slash...] }
        guard let entry = getpwnam(user), let directory = entry.pointee.pw_dir else { return path }
        return String(cString: directory) + path[slash...]
    }

    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let string = String(cString: value)
        return string.isEmpty ? nil : string
    }
}

/// Where guardmail keeps its files (XDG base directories).
/// - SeeAlso: docs/config.md (where the config and the data live).
public struct DataPaths: Sendable {
    public let configDirectory: String
    public let dataDirectory: String

    public init(configDirectory: String, dataDirectory: String) {
        self.configDirectory = configDirectory
        self.dataDirectory = dataDirectory
    }

    /// From `$XDG_CONFIG_HOME` / `$XDG_DATA_HOME`, falling back to `~/.config` and `~/.local/share`.
    public static func fromEnvironment() -> DataPaths {
        let home = FileSystem.environment("HOME") ?? "."
        let config = FileSystem.environment("XDG_CONFIG_HOME") ?? home + "/.config"
        let data = FileSystem.environment("XDG_DATA_HOME") ?? home + "/.local/share"
        return DataPaths(configDirectory: config + "/guardmail", dataDirectory: data + "/guardmail")
    }

    public var configFile: String { configDirectory + "/config.toml" }
    public var spoolDirectory: String { dataDirectory + "/spool" }
}

extension FileSystem {
    /// The whole file as bytes (for small files: bodies, configs).
    public static func readBytes(_ path: String, limit: Int = 64 << 20) throws(FileError) -> [UInt8] {
        let source = try FileSource(path: path)
        defer { source.close() }
        return try readAll(source, path: path, limit: limit)
    }

    /// Everything left in `source`, at most `limit` bytes (EFBIG beyond).
    static func readAll(_ source: FileSource, path: String, limit: Int) throws(FileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= limit {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            } catch let error as FileError {
                throw error
            } catch {
                throw FileError(action: "read", path: path, errno: EIO)
            }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
        throw FileError(action: "read", path: path, errno: EFBIG)
    }

    /// The file as UTF-8 text; nil when it is not valid UTF-8.
    public static func readUTF8(_ path: String) throws(FileError) -> String? {
        let bytes = try readBytes(path)
        return String(validating: bytes, as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

/// Unbuffered writes to the standard streams (C's `stdout`/`stderr` globals are not
/// concurrency-safe to touch from Swift 6).
public enum Console {
    public static func error(_ text: String) { writeAll(2, Array(text.utf8)) }
    public static func output(_ text: String) { writeAll(1, Array(text.utf8)) }
    public static func output(_ bytes: UnsafeRawBufferPointer) { writeAll(1, bytes) }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

extension FileSystem {
    /// rename(2): atomic replacement within one file system.
    public static func rename(_ from: String, to: String) throws(FileError) {
        guard Glibc.rename(from, to) == 0 else { throw FileError(action: "rename to '\(to)'", path: from, errno: errno) }
    }

    /// fsync on a directory, so that a rename in it survives a crash.
    public static func syncDirectory(_ path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(action: "open the folder", path: path, errno: errno) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw FileError(action: "sync the folder", path: path, errno: errno) }
    }
}

extension FileSystem {
    /// The names in a folder (without "." and ".."), sorted; empty when it does not exist or cannot
    /// be read. Names that are not valid UTF-8 are left out.
    public static func listDirectory(_ path: String) -> [String] {
        guard let folder = opendir(path) else { return [] }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(validatingCString: bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if let name, name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// Whether a file may be trusted to decide what guardmail does: the config (its
/// `password_command` is run by the shell), the organisation policy, an address book, a theme.
/// As ssh does for its own files: refused when a user other than its owner or root can write
/// it — group- or world-writable, or owned by another user than the one running guardmail
/// (or root) — and likewise its folder, since whoever can write the folder can replace the
/// file (a folder with the sticky bit, like /tmp, lets no one replace another's file). Only
/// the file's own folder is checked, not every folder up to `/`. Pure: the facts are passed in.
public enum FileTrust {
    /// What `stat` says about a file or a folder.
    public struct Facts: Sendable, Equatable {
        public var mode: UInt32
        public var owner: UInt32
        public init(mode: UInt32, owner: UInt32) {
            self.mode = mode
            self.owner = owner
        }
    }

    /// Why `path` must not be trusted, with the command that fixes it; nil when it may be.
    /// `user` is the user running guardmail (uid and name); `name(uid)` a user's name.
    /// `folders`: the folder holding the name as given and, for a symlink, the real file's folder.
    public static func problem(
        path: String, file: Facts, folders: [(path: String, facts: Facts)],
        user: (uid: UInt32, name: String), name: (UInt32) -> String?
    ) -> String? {
        if let p = problem(file, path: path, what: "it", user: user, name: name, folder: false) { return p }
        for folder in folders {
            if let p = problem(folder.facts, path: folder.path, what: "its folder '\(folder.path)'", user: user, name: name, folder: true) {
                return p
            }
        }
        return nil
    }

    private static func problem(
        _ facts: Facts, path: String, what: String, user: (uid: UInt32, name: String),
        name: (UInt32) -> String?, folder: Bool
    ) -> String? {
        let quoted = shellQuoted(path)
        if facts.owner != 0 && facts.owner != user.uid {
            let owner = name(facts.owner).map { "user '\($0)' (uid \(facts.owner))" } ?? "uid \(facts.owner)"
            return "\(what) belongs to \(owner), not to you or root: that user could "
                + (folder ? "replace the file" : "change what guardmail does") + "; fix it with: chown \(user.name) \(quoted)"
        }
        let group = facts.mode & 0o020 != 0, others = facts.mode & 0o002 != 0
        guard group || others else { return nil }
        if folder && facts.mode & 0o1000 != 0 { return nil } // sticky: no one replaces another's file
        let who = group && others ? "its group and everyone else" : group ? "its group" : "everyone"
        let mode = String(facts.mode & 0o7777, radix: 8)
        return "\(what) can be written by \(who) (mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)): "
            + (folder ? "they could replace the file" : "they could change what guardmail does")
            + "; fix it with: chmod go-w \(quoted)"
    }

    /// `'path'` for a shell, with any `'` inside escaped.
    static func shellQuoted(_ path: String) -> String {
        "'" + path.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

extension FileSystem {
    /// Reads a file guardmail trusts (see `FileTrust`), refusing it with `FileError.Kind.untrusted`
    /// when others could have written it. The checks are made on the open file (fstat), so the
    /// bytes read are those of the file that was checked, not of one swapped in between.
    public static func readTrusted(_ path: String, limit: Int = 16 << 20) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(action: "read", path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = close(fd)
            throw FileError(action: "read", path: path, errno: code)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            _ = close(fd)
            throw FileError(action: "read", path: path, errno: EISDIR)
        }
        let facts = FileTrust.Facts(mode: UInt32(info.st_mode), owner: UInt32(info.st_uid))
        // The folder that holds the name as given, and the real file's folder when it is a symlink.
        var folders = [folder(of: path)]
        if let real = realpath(path, nil) {
            let resolved = String(cString: real)
            free(real)
            if folder(of: resolved) != folders[0] { folders.append(folder(of: resolved)) }
        }
        let me = geteuid()
        let user = (uid: UInt32(me), name: userName(me) ?? String(me))
        let folderFacts = folders.compactMap { folder -> (path: String, facts: FileTrust.Facts)? in
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0 else { return nil }
            return (folder, FileTrust.Facts(mode: UInt32(folderInfo.st_mode), owner: UInt32(folderInfo.st_uid)))
        }
        if let problem = FileTrust.problem(
            path: path, file: facts, folders: folderFacts, user: user,
            name: { userName(uid_t($0)) })
        {
            _ = close(fd)
            throw FileError(path: path, untrusted: problem)
        }
        let source = FileSource(adopting: fd, path: path)
        defer { source.close() }
        return try readAll(source, path: path, limit: limit)
    }

    /// `readTrusted` as UTF-8 text; nil when it is not valid UTF-8.
    public static func readTrustedUTF8(_ path: String, limit: Int = 16 << 20) throws(FileError) -> String? {
        String(validating: try readTrusted(path, limit: limit), as: UTF8.self)
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func userName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
