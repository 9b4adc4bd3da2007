import Foundation
import Testing
@testable import Store

@Suite struct OriginalMessageTests {
    @Test(
        "the Message-ID of a header section, CRLF or LF, folded or not",
        arguments: [
            ("From: a@x\r\nMessage-ID: <1@x>\r\nSubject: s\r\n", "<1@x>"),
            ("From: a@x\nmessage-id:\n <2@x>\n", "<2@x>"),
            ("Message-Id:<3@x> (comment)\r\n", "<3@x>"),
            ("From: a@x\r\n", nil)
        ])
    func messageID(_ head: String, _ expected: String?) {
        #expect(OriginalMessage.messageID(inHeaders: Array(head.utf8)) == expected)
    }

    @Test("a Maildir is searched in cur and new by Message-ID, with or without brackets; a folder that is no Maildir is refused")
    func maildir() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data("From: a@x\r\nMessage-ID: <a@x>\r\n\r\nbody Message-ID: <b@x>\r\n".utf8).write(to: root.appendingPathComponent("cur/1:2,S"))
        try Data("From: a@x\nMessage-ID: <b@x>\n\nbody\n".utf8).write(to: root.appendingPathComponent("new/2"))
        #expect(try OriginalMessage.find(messageID: "<a@x>", inMaildir: root.path) == root.path + "/cur/1:2,S")
        #expect(try OriginalMessage.find(messageID: "b@x", inMaildir: root.path) == root.path + "/new/2")
        #expect(try OriginalMessage.find(messageID: "<c@x>", inMaildir: root.path) == nil)
        #expect(throws: FileError.self) { try OriginalMessage.find(messageID: "<a@x>", inMaildir: root.path + "/cur") }
    }

    @Test("a mapped file gives its bytes; an empty one none; a folder is refused")
    func mapped() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mapped-\(getpid())").path
        defer { unlink(path) }
        try Data("Subject: x\r\n".utf8).write(to: URL(fileURLWithPath: path))
        let file = try MappedFile(path: path)
        #expect(file.withBytes { Array($0) } == Array("Subject: x\r\n".utf8))
        #expect(throws: FileError.self) { _ = try MappedFile(path: FileManager.default.temporaryDirectory.path) }
    }
}
