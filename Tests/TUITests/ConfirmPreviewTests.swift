import MailCore
import Policy
import Testing
@testable import TUI

/// The preview of each attachment's text on the confirmation screen, and the pager over the
/// whole text (`v`).
@Suite("Confirmation screen: the text of attachments")
struct ConfirmPreviewTests {
    typealias F = ConfirmFixture

    /// The estimate for 田中建設 as pdftotext reads it, attached to a mail for 鈴木商事 (example.jp).
    static let lines = [
        "御見積書", "2026年12月7日", "田中建設株式会社 御中", "工事部 佐藤一郎 様", "下記の通りお見積り申し上げます。", "合計金額 ¥1,280,000（税込）"
    ]
    static let estimate = ConfirmAttachment(
        name: "見積書.pdf", size: 3830, summary: "PDF, 2 pages", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        warning: nil, preview: ["title: 御見積書 No.2026-118"] + lines.prefix(5),
        document: ["title: 御見積書 No.2026-118"] + lines.enumerated().map { "page 1, line \($0.offset + 1): \($0.element)" }
            + (1...40).map { "page 2, line \($0): 明細 \($0)" })

    static func screen() -> ConfirmModel {
        let input = PolicyInput(
            from: F.sender, to: [F.mb("鈴木 花子 <hanako@example.jp>")], subject: "お見積書", body: "鈴木様\n\nお見積書をお送りします。\n",
            attachments: [
                AttachmentFacts(
                    name: "見積書.pdf", size: 3830, contentType: "application/pdf", text: lines.joined(separator: "\n"),
                    textLocations: lines.indices.map { "page 1, line \($0 + 1)" })
            ],
            history: F.history, addressBook: F.book)
        return F.screen(input, attachments: [estimate])
    }

    @Test("the estimate for another company: the finding names it, and the pane shows the PDF's first lines")
    func pane() throws {
        let m = Self.screen()
        let finding = try #require(m.findings.first { $0.ruleID == "attachment-other-party" })
        #expect(finding.message == "'見積書.pdf' names 田中建設株式会社 (page 1, line 3); the recipients are at example.jp (鈴木商事株式会社)")
        assertSnapshot(ConfirmView.render(m, width: 110, height: 26), named: "confirm-document-preview")
    }

    @Test("v on the attachment opens its whole text with places; it scrolls, stops at the end, and q closes it")
    func pager() throws {
        var m = Self.screen()
        m.cursor = try #require(m.rows.firstIndex(of: .attachment(0)))
        #expect(m.handle(.char("v"), height: 18).isEmpty)
        #expect(m.pager == DocumentPager(attachment: 0, top: 0))
        assertSnapshot(ConfirmView.render(m, width: 90, height: 24), named: "confirm-document-pager")
        _ = m.handle(.pageDown, height: 18)
        #expect(m.pager?.top == 17)
        _ = m.handle(.end, height: 18)
        #expect(m.pager?.top == Self.estimate.document.count - 18)
        _ = m.handle(.pageDown, height: 18)
        #expect(m.pager?.top == Self.estimate.document.count - 18)
        // Keys other than scrolling do nothing while it is open: y does not send from here.
        #expect(m.handle(.char("y"), height: 18).isEmpty)
        #expect(m.handle(.char("q"), height: 18).isEmpty)
        #expect(m.pager == nil)
        #expect(m.rows[m.cursor] == .attachment(0))
    }

    @Test("v away from an attachment, or on one with no text, says why nothing opens")
    func nothingToShow() throws {
        var m = F.screen(F.input(to: ["a@client.jp"], attachments: [F.quote, F.quote]), attachments: [F.quote, F.quote])
        m.cursor = m.rows.firstIndex { if case .finding = $0 { return true } else { return false } } ?? 0
        _ = m.handle(.char("v"), height: 18)
        #expect(m.pager == nil)
        #expect(m.status?.text == "v shows an attachment's text: move to the attachment first.")
        m.cursor = try #require(m.rows.firstIndex(of: .attachment(1)))
        _ = m.handle(.char("v"), height: 18)
        #expect(m.pager == nil)
        #expect(m.status?.text == "No text was read from '見積書_2026年度.pdf'.")
    }
}
