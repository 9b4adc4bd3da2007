import Foundation
import Testing
@testable import Store
#if canImport(Glibc)
    import Glibc
#endif

/// `FileSystem.regularFileSize`: the one check every attachment goes through (send, bulk, the
/// composer's `a` and resumed drafts).
@Suite("Attachment checks")
struct AttachCheckTests {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-attach-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    func refusal(_ path: String, readable: ((String) -> Int32)? = nil) -> FileError? {
        do {
            if let readable {
                _ = try FileSystem.regularFileSize(path, readable: readable)
            } else {
                _ = try FileSystem.regularFileSize(path)
            }
            return nil
        } catch {
            return error
        }
    }

    @Test("a readable regular file: its size")
    func regular() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/見積書.pdf"
        try Data(repeating: 7, count: 1234).write(to: URL(fileURLWithPath: path))
        #expect(try FileSystem.regularFileSize(path) == 1234)
    }

    @Test("missing, a directory: refused with the path and the reason")
    func missingAndDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = refusal(dir + "/nothing.pdf")
        #expect(missing?.kind == .notFound)
        #expect(missing?.description == "cannot attach '\(dir)/nothing.pdf': no such file or directory")
        let folder = refusal(dir)
        #expect(folder?.kind == .isDirectory)
        #expect(folder?.description == "cannot attach '\(dir)': it is a directory")
    }

    @Test("a character device is refused, not read")
    func device() {
        let error = refusal("/dev/null")
        #expect(error?.kind == .notRegularFile)
        #expect(error?.description == "cannot attach '/dev/null': it is a character device")
    }

    @Test("a FIFO is refused at once, without opening it (opening would block until a writer comes)")
    func fifo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        let start = Date()
        let error = refusal(path)
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(error?.kind == .notRegularFile)
        #expect(error?.description == "cannot attach '\(path)': it is a FIFO (named pipe)")
    }

    @Test("a socket is refused")
    func socketFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        #expect(refusal(path)?.description == "cannot attach '\(path)': it is a socket")
    }

    @Test("an unreadable file: permission denied (the access check is injected: root can read anything)")
    func unreadable() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/secret.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        let error = refusal(path, readable: { _ in EACCES })
        #expect(error?.kind == .permissionDenied)
        #expect(error?.description == "cannot read '\(path)': permission denied")
        if getuid() != 0 {
            // Not root: the real access(2) says the same.
            chmod(path, 0)
            #expect(refusal(path)?.kind == .permissionDenied)
        }
    }

    @Test("the kind of every mode that is not a regular file")
    func modes() {
        #expect(FileSystem.notRegularFile(mode: S_IFREG | 0o644) == nil)
        #expect(FileSystem.notRegularFile(mode: S_IFBLK) == "it is a block device")
        #expect(FileSystem.notRegularFile(mode: S_IFCHR) == "it is a character device")
        #expect(FileSystem.notRegularFile(mode: S_IFIFO) == "it is a FIFO (named pipe)")
        #expect(FileSystem.notRegularFile(mode: S_IFSOCK) == "it is a socket")
        #expect(FileSystem.notRegularFile(mode: S_IFDIR) == "it is a directory")
    }

    @Test("~ and ~user are expanded; an unknown user is left as typed")
    func tilde() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        #expect(FileSystem.expandTilde("~") == home)
        #expect(FileSystem.expandTilde("~/a b/見積書.pdf") == home + "/a b/見積書.pdf")
        let rootHome = getpwnam("root").map { String(cString: $0.pointee.pw_dir) } ?? "/root"
        #expect(FileSystem.expandTilde("~root/x.pdf") == rootHome + "/x.pdf")
        #expect(FileSystem.expandTilde("~root") == rootHome)
        #expect(FileSystem.expandTilde("~no-such-user-guardmail/x.pdf") == "~no-such-user-guardmail/x.pdf")
        #expect(FileSystem.expandTilde("/a/~b") == "/a/~b")
        #expect(FileSystem.expandTilde("a~") == "a~")
    }
}
