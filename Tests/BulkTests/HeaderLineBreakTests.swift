import Testing
@testable import Bulk
import MailCore

// A recipient-file value that would put a line break into a header is an invalid row, reported
// with its line number like every other, and nothing is sent to it (issue 10).

@Suite struct HeaderLineBreakTests {
    @Test("a name with a line break inside makes its row invalid, with the line, the value and the position")
    func nameColumn() throws {
        let list = try parse("email,name\na@example.jp,\"Taro\nBcc: x@evil.example\"\nb@example.jp,Hanako\n")
        #expect(list.recipients.map(\.mailbox.envelopeAddress) == ["b@example.jp"])
        #expect(list.invalid.count == 1)
        let row = try #require(list.invalid.first)
        #expect(row.line == 2)
        #expect(row.text == "a@example.jp")
        #expect(row.reason.contains("'Taro\\nBcc: x@evil.example'"), "\(row.reason)")
        #expect(row.reason.contains("line feed (LF, U+000A) at position 5"), "\(row.reason)")
        #expect(row.reason.contains("nothing is sent to this row"), "\(row.reason)")
    }

    @Test("an address cell with a line break is invalid, shown on one line")
    func addressCell() throws {
        let list = try parse("email,name\n\"my\n@example.jp\",Taro\nb@example.jp,Hanako\n")
        #expect(list.recipients.map(\.mailbox.envelopeAddress) == ["b@example.jp"])
        let row = try #require(list.invalid.first)
        #expect(row.line == 2)
        #expect(row.text == "my\\n@example.jp")
        #expect(row.reason.contains("line feed (LF, U+000A) at position 3"), "\(row.reason)")
    }

    @Test("a value used in the subject with a line break moves its row to the invalid rows, in line order")
    func subjectField() throws {
        let list = try parse("email,company\na@example.jp,\"Foo\r\nBcc: x@evil.example\"\n\"bad\",Bar\nc@example.jp,Baz\nd@example.jp,\"Qux\nInc\"\n")
        #expect(list.invalid.map(\.line) == [4])
        let checked = list.refusingLineBreaks(inSubject: Template("News for {{company}}"))
        #expect(checked.recipients.map(\.mailbox.envelopeAddress) == ["c@example.jp"])
        // The quoted CRLF makes row 2 span lines 2-3: the rows start on lines 2, 4, 5 and 6.
        #expect(checked.invalid.map(\.line) == [2, 4, 6])
        let first = checked.invalid[0]
        #expect(first.text == "a@example.jp")
        #expect(
            first.reason == "the 'company' value 'Foo\\r\\nBcc: x@evil.example' has a line break (CR LF) at position 4, "
                + "and the subject uses {{company}}: a header cannot hold a line break; nothing is sent to this row")
    }

    @Test("a line break in a value used only in the body is fine")
    func bodyOnly() throws {
        let list = try parse("email,company\na@example.jp,\"Foo\nBar\"\n")
        let checked = list.refusingLineBreaks(inSubject: Template("News"))
        #expect(checked.recipients.count == 1)
        #expect(checked.invalid.isEmpty)
        #expect(Template("Dear {{company}}").render(fields: checked.recipients[0].fields) == "Dear Foo\nBar")
    }
}
