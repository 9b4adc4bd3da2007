import Foundation
import Testing
@testable import Store
#if canImport(Glibc)
    import Glibc
#endif

/// `FileTrust` and `FileSystem.readTrusted`: a config, policy, address book or theme that a user
/// other than its owner (or root) can write is refused, as ssh refuses its own files.
@Suite("Files others can write")
struct FileTrustTests {
    let me = (uid: UInt32(1000), name: "taro")
    func name(_ uid: UInt32) -> String? { [0: "root", 1000: "taro", 1001: "hanako"][uid] }
    func problem(_ mode: UInt32, owner: UInt32 = 1000, folderMode: UInt32 = 0o40700, folderOwner: UInt32 = 1000) -> String? {
        FileTrust.problem(
            path: "/home/taro/.config/guardmail/config.toml", file: .init(mode: 0o100000 | mode, owner: owner),
            folders: [("/home/taro/.config/guardmail", .init(mode: folderMode, owner: folderOwner))],
            user: me, name: name)
    }

    @Test(
        "mine or root's, writable by the owner only: trusted",
        arguments: [
            (UInt32(0o600), UInt32(1000)), (0o644, 1000), (0o400, 1000), (0o644, 0), (0o755, 0)
        ])
    func trusted(_ mode: UInt32, _ owner: UInt32) {
        #expect(problem(mode, owner: owner) == nil)
    }

    @Test(
        "group- or world-writable: refused with the mode and the chmod that fixes it",
        arguments: [
            (UInt32(0o664), "its group (mode 0664)"), (0o646, "everyone (mode 0646)"), (0o666, "its group and everyone else (mode 0666)"),
            (0o620, "its group (mode 0620)")
        ])
    func writable(_ mode: UInt32, _ words: String) throws {
        let p = try #require(problem(mode))
        #expect(
            p == "it can be written by \(words): they could change what guardmail does; "
                + "fix it with: chmod go-w '/home/taro/.config/guardmail/config.toml'")
    }

    @Test("owned by another user who is not root: refused with the chown that fixes it")
    func otherOwner() throws {
        let p = try #require(problem(0o600, owner: 1001))
        #expect(
            p == "it belongs to user 'hanako' (uid 1001), not to you or root: that user could change what guardmail does; "
                + "fix it with: chown taro '/home/taro/.config/guardmail/config.toml'")
        #expect(try #require(problem(0o600, owner: 4242)).contains("belongs to uid 4242,"))
    }

    @Test("a folder others can write, or another user's, is refused; a sticky one (like /tmp) is not")
    func folder() throws {
        let p = try #require(problem(0o600, folderMode: 0o40777))
        #expect(
            p == "its folder '/home/taro/.config/guardmail' can be written by its group and everyone else (mode 0777): "
                + "they could replace the file; fix it with: chmod go-w '/home/taro/.config/guardmail'")
        #expect(problem(0o600, folderMode: 0o41777) == nil)
        #expect(problem(0o600, folderMode: 0o40775) != nil)
        #expect(try #require(problem(0o600, folderOwner: 1001)).contains("its folder '/home/taro/.config/guardmail' belongs to user 'hanako'"))
        #expect(problem(0o600, folderMode: 0o40755, folderOwner: 0) == nil)
    }

    @Test("a path with a quote is quoted for the shell")
    func quoting() {
        #expect(FileTrust.shellQuoted("/tmp/it's here") == "'/tmp/it'\\''s here'")
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = chmod(dir.path, 0o700)
        return dir.path
    }

    @Test("readTrusted reads a file only its owner can write, and refuses it once others can")
    func readTrusted() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.toml"
        try Data("a = 1\n".utf8).write(to: URL(fileURLWithPath: path))
        _ = chmod(path, 0o644)
        #expect(try FileSystem.readTrustedUTF8(path) == "a = 1\n")
        _ = chmod(path, 0o664)
        do {
            _ = try FileSystem.readTrusted(path)
            Issue.record("a group-writable file was read")
        } catch {
            #expect(error.kind == .untrusted)
            #expect(
                error.description == "cannot use '\(path)': it can be written by its group (mode 0664): "
                    + "they could change what guardmail does; fix it with: chmod go-w '\(path)'")
        }
        _ = chmod(path, 0o600)
        _ = chmod(dir, 0o777)
        #expect(throws: FileError.self) { try FileSystem.readTrusted(path) }
        _ = chmod(dir, 0o700)
        // A symlink: the real file's folder counts too.
        let other = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        try Data("b = 2\n".utf8).write(to: URL(fileURLWithPath: other + "/real.toml"))
        _ = chmod(other + "/real.toml", 0o600)
        _ = symlink(other + "/real.toml", dir + "/link.toml")
        #expect(try FileSystem.readTrustedUTF8(dir + "/link.toml") == "b = 2\n")
        _ = chmod(other, 0o777)
        #expect(throws: FileError.self) { try FileSystem.readTrusted(dir + "/link.toml") }
        #expect(throws: FileError.self) { try FileSystem.readTrusted(dir) }
        if geteuid() == 0, let nobody = getpwnam("nobody") {
            // Root runs the tests in CI: hand the file to another user.
            _ = chmod(other, 0o700)
            _ = chown(path, nobody.pointee.pw_uid, nobody.pointee.pw_gid)
            do {
                _ = try FileSystem.readTrusted(path)
                Issue.record("a file of another user was read")
            } catch {
                #expect(error.description.contains("it belongs to user 'nobody'"), "\(error)")
                #expect(error.description.contains("chown root '\(path)'"), "\(error)")
            }
        }
    }
}
