#if canImport(Glibc)
    import Glibc
#endif
@testable import Outbox
import Store
import Testing

@Suite struct OutboxRecipientFieldTests {
    @Test("a recipient's field in record.toml is read back as To, Cc or Bcc; anything else is damage, never To")
    func unknownField() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-fld1"
        try freezeSample(folder, id: id)
        let loaded = try folder.outbox.load(id: id)
        #expect(loaded.record.recipients.map(\.recipientField) == [.to, .cc, .bcc])

        let path = folder.outbox.entryDirectory(id: id) + "/record.toml"
        let lines = String(decoding: try readFile(path), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex(of: "field = \"cc\""))
        var changed = lines
        changed[index] = "field = \"reply-to\""
        FileSystem.remove(path)
        try writeFile(path, changed.joined(separator: "\n"))
        let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
        #expect(error?.kind == .corrupt)
        let expected = "\(path):\(index + 1): 'recipients[2].field' must be one of \"to\", \"cc\", \"bcc\", found 'reply-to'"
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }
}
