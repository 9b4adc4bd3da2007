#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFileSync
import MailCore

/// A file-system failure, with the path and the system's reason in plain words.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case notFound, permissionDenied, isDirectory, notRegularFile, diskFull, other }
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

    /// The system's reason alone, without the action and the path ("no such file or directory").
    public var reason: String {
        switch kind {
        case .notFound: return "no such file or directory"
        case .permissionDenied: return "permission denied"
        case .isDirectory: return "it is a directory"
        case .notRegularFile: return detail ?? "it is not a regular file"
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
/// - SeeAlso: DESIGN §2.7.
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
