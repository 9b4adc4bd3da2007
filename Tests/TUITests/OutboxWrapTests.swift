import Testing

@testable import TUI

/// Issue 15, item 1: the outbox view shows what a message's rows cut (the server's reply above
/// all), wrapped, for the selected message.
@Suite("Outbox screen: nothing cut off")
struct OutboxWrapTests {
    static let refused = OutboxRow(
        id: "20261207-081502-r7x1", subject: "【重要】2026年度 青空商事株式会社様向け 御見積書および契約書類一式の送付について",
        recipients: "3 recipients: aozora-shoji.jp, partner.example, 取引先.jp",
        status: "failed: 550 5.7.1 <hanako@aozora-shoji.jp>: Recipient address rejected: メールボックスの容量を超えています (mailbox full, try again later)",
        tone: .danger, actions: [.edit, .discard])

    @Test("snapshots at 60×16, 80×24 and 200×50: the server's whole reply is shown", arguments: ConfirmWrapTests.sizes)
    func snapshots(width: Int, height: Int) {
        let s = OutboxScreen(purpose: .browse, rows: [Self.refused, OutboxViewTests.held])
        let grid = OutboxView.render(s, width: width, height: height)
        assertSnapshot(grid, named: "outbox-wrap-\(width)x\(height)")
        let text = ConfirmWrapTests.squeezed(grid.textLines)
        for whole in [Self.refused.status, Self.refused.subject, Self.refused.recipients] {
            #expect(text.contains(ConfirmWrapTests.squeezed(whole)), "\(whole) at \(width)×\(height)")
        }
    }
}
