import Foundation
import MailCore
import Testing
@testable import Store

@Suite("Sent Maildir")
struct SentFolderTests {
    @Test("the spool file moves into the folder unchanged; history lists every recipient, Bcc included")
    func copyAndHistory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-sent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spool = dir.appendingPathComponent("m.eml").path
        let bccHeader = HeaderEncoding.addressList("Bcc", try AddressParser.parseList("監査 <audit@example.jp>"))
        let transmitted =
            "From: taro@example.jp\r\nTo: =?UTF-8?B?6Yi05pyo?= <suzuki@Example.CO.JP>,\r\n b@xn--wgv71a119e.jp\r\nCc: c@example.org\r\nSubject: x\r\n\r\nbody\r\n"
        try (bccHeader + transmitted).write(toFile: spool, atomically: true, encoding: .utf8)
        let folder = SentFolder(directory: dir.path + "/sent")
        try folder.store(spool, name: "m")
        let copy = try String(contentsOfFile: dir.path + "/sent/cur/m:2,S", encoding: .utf8)
        #expect(copy == bccHeader + transmitted)
        #expect(!FileManager.default.fileExists(atPath: spool))
        let history = folder.history()
        #expect(history.addresses == ["suzuki@example.co.jp", "b@xn--wgv71a119e.jp", "c@example.org", "audit@example.jp"])
        #expect(history.domains == ["example.co.jp", "日本語.jp", "example.org", "example.jp"])
    }

    @Test("an empty or missing folder has no history")
    func empty() {
        let history = SentFolder(directory: "/nonexistent/guardmail-sent").history()
        #expect(history.addresses.isEmpty && history.domains.isEmpty)
    }
}
