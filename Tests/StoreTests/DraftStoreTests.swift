import Foundation
import Testing
@testable import Store

@Suite("Drafts Maildir")
struct DraftStoreTests {
    func temporaryStore() throws -> (DraftStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-drafts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (DraftStore(directory: dir.path + "/drafts"), dir)
    }

    static let records: [DraftRecord] = [
        DraftRecord(
            id: "a1", account: "work", to: "taro＠example.jp, 山田 花子 <hanako@example.co.jp>", cc: "  spaced  ",
            bcc: "=?UTF-8?B?notreally?=", subject: "【至急】見積書の件 — 2026年度", body: "一行目\r\n二行目 \n\nか\u{3099}\t末尾  ",
            attachmentPaths: ["/tmp/見積 書.pdf", "/tmp/a;b\"c.txt"], field: "body", bodyLine: 2, bodyColumn: 3, savedAt: 1_795_936_596),
        DraftRecord(id: "b2", subject: String(repeating: "長い件名", count: 40), body: "", savedAt: 1),
        DraftRecord(id: "c3", to: "a@example.jp", body: String(repeating: "x", count: 5000) + "\n", field: nil)
    ]

    @Test("a draft comes back exactly as it was saved: invalid addresses, spaces, line endings, cursor", arguments: records)
    func roundTrip(record: DraftRecord) throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.save(record)
        #expect(store.load(id: record.id) == record)
        #expect(store.list() == [record])
    }

    @Test("a postponed reply keeps its In-Reply-To and References; an identifier that could break a header is not written")
    func replyHeaders() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        var record = DraftRecord(id: "r1", to: "a@example.jp", subject: "Re: 見積", body: "本文\n")
        record.inReplyTo = "<3@x.jp>"
        record.references = ["<1@x.jp>", "<2@x.jp>", "<3@x.jp>"]
        try store.save(record)
        #expect(store.load(id: "r1") == record)
        record.inReplyTo = "<a\r\nBcc: x@y>"
        record.references = ["<ok@x.jp>", "<bad id@x>"]
        try store.save(record)
        let loaded = store.load(id: "r1")
        #expect(loaded?.inReplyTo == nil)
        #expect(loaded?.references == ["<ok@x.jp>"])
    }

    @Test("saving again replaces the file; the Maildir holds one file per draft with the D flag")
    func replaceAndList() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        var record = Self.records[0]
        try store.save(record)
        record.body = "changed"
        record.savedAt += 10
        try store.save(record)
        try store.save(Self.records[1])
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/drafts/cur").sorted()
        #expect(names == ["a1.guardmail:2,D", "b2.guardmail:2,D"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/drafts/tmp").isEmpty)
        #expect(store.list().map(\.id) == ["a1", "b2"]) // newest first
        #expect(store.load(id: "a1")?.body == "changed")
        store.delete(id: "a1")
        #expect(store.list().map(\.id) == ["b2"])
    }

    @Test("the file is a readable RFC 5322 message for other mail programs")
    func readableByOthers() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.save(Self.records[0])
        let text = try String(contentsOfFile: dir.path + "/drafts/cur/a1.guardmail:2,D", encoding: .utf8)
        #expect(text.contains("\r\nSubject: =?UTF-8?B?"))
        #expect(text.contains("\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
        #expect(!text.contains("見積")) // headers and body are encoded: ASCII only
    }

    @Test("a file that is not a guardmail draft is ignored, not deleted")
    func foreignFiles() throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.save(Self.records[1])
        let foreign = dir.path + "/drafts/cur/123.other:2,D"
        try "Subject: hi\r\n\r\nbody".write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect(store.list().map(\.id) == ["b2"])
        #expect(FileManager.default.fileExists(atPath: foreign))
    }
}
