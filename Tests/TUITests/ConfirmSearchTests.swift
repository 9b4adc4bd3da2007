import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen: / searches the recipients and domains")
struct ConfirmSearchTests {
    static func model() -> ConfirmModel {
        var recipients: [(Mailbox, RecipientField)] = []
        for i in 0..<3000 { recipients.append((try! AddressParser.parseMailbox("user\(i)@customer\(i % 30).example"), .bcc)) }
        recipients.insert((try! AddressParser.parseMailbox("佐藤 花子 <Hanako.Sato@partner.example>"), .bcc), at: 1500)
        recipients.append((try! AddressParser.parseMailbox("佐藤 一郎 <ichiro@example.co.jp>"), .bcc))
        return ConfirmModel(
            from: "taro@example.co.jp", recipients: recipients, isInternal: { $0 == "example.co.jp" },
            companies: ["partner.example": "株式会社パートナー"], attachments: [], findings: [], holdSeconds: 60,
            preTickInternal: false, ticksInternalByDomain: true)
    }

    static func search(_ m: inout ConfirmModel, _ text: String) {
        _ = m.handle(.char("/"), height: 20)
        _ = m.handle(.text(text), height: 20)
        _ = m.handle(.enter, height: 20)
    }

    static func cursorText(_ m: ConfirmModel) -> String { m.rowText(m.cursor) ?? "" }

    @Test("Enter jumps to the next row containing the text (Japanese, any case, full-width), n to the one after, wrapping")
    func find() {
        var m = Self.model()
        Self.search(&m, "佐藤")
        #expect(Self.cursorText(m).contains("Hanako.Sato@partner.example"))
        #expect(m.status?.text == "'佐藤': 1 of 2 (n: next)")
        _ = m.handle(.char("n"), height: 20)
        #expect(Self.cursorText(m).contains("ichiro@example.co.jp")) // an internal address: no tick, but found
        _ = m.handle(.char("n"), height: 20)
        #expect(Self.cursorText(m).contains("Hanako.Sato")) // wrapped around
        Self.search(&m, "ＨＡＮＡＫＯ．ＳＡＴＯ")
        #expect(Self.cursorText(m).contains("Hanako.Sato"))
        Self.search(&m, "パートナー") // a company on a domain row
        if case .domain(let g) = m.rows[m.cursor] { #expect(m.groups[g].domain == "partner.example") } else { Issue.record("not on a domain row") }
        Self.search(&m, "USER2999@")
        #expect(Self.cursorText(m).contains("user2999@customer29.example"))
    }

    @Test("not found says so and leaves the cursor; Esc cancels; keys typed in the prompt do nothing else")
    func promptKeys() {
        var m = Self.model()
        let start = m.cursor
        Self.search(&m, "nobody@nowhere")
        #expect(m.cursor == start)
        #expect(m.status == StatusMessage("Not found: 'nobody@nowhere'", isError: true))
        _ = m.handle(.char("/"), height: 20)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.handle(.char("q"), height: 20).isEmpty)
        _ = m.handle(.char(" "), height: 20)
        #expect(m.searchText == "yq ")
        #expect(!m.requiredTicks.contains { m.isTicked($0) })
        _ = m.handle(.escape, height: 20)
        #expect(m.searchText == nil)
        #expect(m.cursor == start)
        #expect(m.handle(.char("n"), height: 20).isEmpty) // the last query found nothing: n says so again
        #expect(m.status?.text == "Not found: 'nobody@nowhere'")
    }

    @Test("n before any search says how to search")
    func nothingYet() {
        var m = Self.model()
        _ = m.handle(.char("n"), height: 20)
        #expect(m.status?.text == "Nothing searched yet: / searches the recipients.")
    }

    @Test("the prompt is drawn in the status line with the cursor, and the legend says Enter / Esc; the found row is shown")
    func drawn() {
        var m = Self.model()
        _ = m.handle(.char("/"), height: 20)
        _ = m.handle(.text("佐藤"), height: 20)
        let grid = ConfirmView.render(m, width: 100, height: 24)
        #expect(grid.textLines[22].hasPrefix(" Search: 佐藤"))
        #expect(grid.cursor == GridPoint(row: 22, column: 13))
        #expect(grid.textLines[23].hasPrefix(" Enter Find  Esc Cancel"))
        _ = m.handle(.enter, height: ConfirmView.listHeight(24))
        let found = ConfirmView.render(m, width: 100, height: 24).textLines.joined(separator: "\n")
        #expect(found.contains("佐藤 花子 <Hanako.Sato@partner.example>"))
        #expect(ConfirmView.render(m, width: 100, height: 24).textLines[23].contains("/ Search  n Next"))
    }
}
