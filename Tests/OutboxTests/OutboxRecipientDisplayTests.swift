#if canImport(Glibc)
    import Glibc
#endif
import MailCore
@testable import Outbox
import Store
import Testing
import Workflow

/// The Unicode form of each recipient, kept in record.toml for display beside the wire form.
@Suite struct OutboxRecipientDisplayTests {
    @Test("a recipient with a Unicode domain keeps its Unicode form for display; an ASCII one needs none")
    func fromRecipient() throws {
        let unicode = OutboxRecipient(Recipient(try AddressParser.parseMailbox("bob@日本語.jp"), field: .cc))
        #expect(unicode.address == "bob@xn--wgv71a119e.jp")
        #expect(unicode.display == "bob@日本語.jp")
        #expect(unicode.shownAddress == "bob@日本語.jp")
        #expect(unicode.shownDomain == "日本語.jp")
        let ascii = OutboxRecipient(Recipient(try AddressParser.parseMailbox("Hanako <hanako@Example.JP>"), field: .to))
        #expect(ascii.display == nil)
        #expect(ascii.shownAddress == ascii.address)
        #expect(ascii.shownDomain == "example.jp")
    }

    @Test("the display form round-trips through record.toml; a record without it (older) reads, and shows its domain in Unicode")
    func roundTripAndOld() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-dsp1"
        let spool = folder.path + "/spool-\(id).eml"
        try writeFile(spool, Spool.sample.bytes)
        var record = sampleRecord(id: id)
        record.recipients[1].display = "bob@日本語.jp"
        _ = try folder.outbox.freeze(
            record, state: .holding(releaseAt: Instant(seconds: 1_795_950_183.456), recipients: ["hanako@example.jp"]),
            spoolFile: spool, draft: nil)
        let path = folder.outbox.entryDirectory(id: id) + "/record.toml"
        let text = String(decoding: try readFile(path), as: UTF8.self)
        #expect(text.contains("display = \"bob@日本語.jp\"\n"))
        #expect(try folder.outbox.load(id: id).record == record)

        // As a guardmail from before wrote it: no display key.
        FileSystem.remove(path)
        try writeFile(path, text.replacing("display = \"bob@日本語.jp\"\n", with: ""))
        let old = try folder.outbox.load(id: id).record.recipients[1]
        #expect(old.display == nil)
        #expect(old.shownAddress == "bob@xn--wgv71a119e.jp")
        #expect(old.shownDomain == "日本語.jp")
    }

    @Test("a display form that is another recipient than the address is damage, with the line and both values")
    func displayOfAnother() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-dsp2"
        let spool = folder.path + "/spool-\(id).eml"
        try writeFile(spool, Spool.sample.bytes)
        var record = sampleRecord(id: id)
        record.recipients[1].display = "bob@日本語.jp"
        _ = try folder.outbox.freeze(
            record, state: .holding(releaseAt: Instant(seconds: 1_795_950_183.456), recipients: ["hanako@example.jp"]),
            spoolFile: spool, draft: nil)
        let path = folder.outbox.entryDirectory(id: id) + "/record.toml"
        let text = String(decoding: try readFile(path), as: UTF8.self)
        FileSystem.remove(path)
        try writeFile(path, text.replacing("display = \"bob@日本語.jp\"", with: "display = \"boss@日本語.jp\""))
        let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
        #expect(error?.kind == .corrupt)
        let message = error?.message ?? ""
        #expect(message.contains("'recipients[2].display' must be the same address as 'bob@xn--wgv71a119e.jp'"), "\(message)")
        #expect(message.contains("found 'boss@日本語.jp'"), "\(message)")
    }
}
