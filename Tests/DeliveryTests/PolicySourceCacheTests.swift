import Glibc
import MailCore
import Policy
import Store
import Testing
@testable import Delivery

/// The composer asks for the address book and the sent history on every confirmation; they are
/// read again exactly when their files changed.
@Suite("Policy sources: read once, read again when the files change", .serialized)
struct PolicySourceCacheTests {
    final class Folder {
        let path: String
        init() {
            var template = Array("/tmp/gm-policy-cache-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        }
        deinit { _ = system("rm -rf '\(path)'") }

        func write(_ relative: String, _ text: String) throws {
            let file = path + "/" + relative
            let folder = String(file[..<file.lastIndex(of: "/")!])
            try FileSystem.makeDirectories(folder)
            let sink = try FileSink(creating: file + ".tmp")
            try sink.write(text)
            try sink.finish(sync: false)
            try FileSystem.rename(file + ".tmp", to: file)
        }
    }

    @Test("an edited address book is read again; an unchanged one is not re-read")
    func addressBook() throws {
        let folder = Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        try folder.write("config/addressbook.txt", "山田 花子 <hanako@client.co.jp>\n")
        let first = PolicySetup.addressBook(PolicyConfig(), paths: paths).0
        #expect(first.entries.map(\.address) == ["hanako@client.co.jp"])
        // Same stamps: the cached book comes back (equal, and no warning).
        #expect(PolicySetup.addressBook(PolicyConfig(), paths: paths).0 == first)
        usleep(20_000) // past the file system's timestamp granularity, as any real edit is
        try folder.write("config/addressbook.txt", "山田 花子 <hanako@client.co.jp>\n佐藤 一郎 <ichiro@other.co.jp>\n")
        let second = PolicySetup.addressBook(PolicyConfig(), paths: paths).0
        #expect(second.entries.map(\.address) == ["hanako@client.co.jp", "ichiro@other.co.jp"])
    }

    @Test("a new sent copy adds to the history at the next confirmation")
    func history() throws {
        let folder = Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        try FileSystem.makeDirectories(paths.sentDirectory + "/new")
        try folder.write("data/sent/cur/1.a:2,S", "From: taro@example.jp\r\nTo: a@client.co.jp\r\nSubject: x\r\n\r\nbody\r\n")
        #expect(PolicySetup.history(paths: paths).0.domains.contains("client.co.jp"))
        #expect(!PolicySetup.history(paths: paths).0.domains.contains("partner.co.jp"))
        usleep(20_000) // a new entry changes the folder's mtime, at the file system's granularity
        try folder.write("data/sent/cur/2.b:2,S", "From: taro@example.jp\r\nTo: b@partner.co.jp\r\nSubject: y\r\n\r\nbody\r\n")
        let history = PolicySetup.history(paths: paths).0
        #expect(history.domains.contains("client.co.jp") && history.domains.contains("partner.co.jp"))
    }

    @Test("evaluate builds the input from the history and address book it read, decides, and names the source it could not use")
    func evaluate() throws {
        let folder = Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        try FileSystem.makeDirectories(paths.sentDirectory + "/new")
        try folder.write("data/sent/cur/1.a:2,S", "From: taro@example.jp\r\nTo: a@client.co.jp\r\nSubject: x\r\n\r\nbody\r\n")
        try FileSystem.makeDirectories(paths.configDirectory)
        let sink = try FileSink(creating: paths.configDirectory + "/addressbook.txt")
        try [UInt8]([0xFF, 0xFE, 0x0A]).withUnsafeBytes { try sink.write($0) }
        try sink.finish(sync: false)

        var seen: (SendHistory, AddressBook)?
        var built: PolicyInput?
        let evaluation = PolicySetup.evaluate(PolicyConfig(), paths: paths) { history, book in
            seen = (history, book)
            let input = PolicyInput(
                from: try! AddressParser.parseMailbox("taro@example.jp"), to: [try! AddressParser.parseMailbox("b@partner.co.jp")],
                cc: [], bcc: [], subject: "x", body: "body", attachments: [], history: history, addressBook: book)
            built = input
            return input
        }
        let (history, book) = try #require(seen)
        #expect(history.domains.contains("client.co.jp"))
        #expect(book.entries.isEmpty)
        #expect(evaluation.addressBook == book)
        #expect(evaluation.decision == PolicyEngine.evaluate(try #require(built), config: PolicyConfig()))
        #expect(evaluation.historyWarning == nil)
        #expect(evaluation.addressBookWarnings.count == 1)
        #expect(evaluation.warnings == evaluation.addressBookWarnings)
        #expect(evaluation.addressBookWarnings.first?.contains("addressbook.txt' is not UTF-8 text") == true)
    }
}
