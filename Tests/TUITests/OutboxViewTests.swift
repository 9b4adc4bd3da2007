import Testing
@testable import TUI

@Suite("Outbox screen")
struct OutboxViewTests {
    static let held = OutboxRow(
        id: "20261129-110203-k3f9", subject: "【ご案内】2026年度 お見積書の送付", recipients: "3 recipients: example.com, 取引先.jp",
        status: "sends in 42 s", tone: .normal, actions: [.undo, .release, .edit, .discard])
    static let failed = OutboxRow(
        id: "20261129-105512-a7c2", subject: "議事録（11月定例）", recipients: "1 recipient: example.co.jp",
        status: "failed: 421 4.7.0 Try again later; retrying in 30 s", tone: .warning, actions: [.release, .edit, .discard])
    static let refused = OutboxRow(
        id: "20261128-171540-q0zz", subject: "Invoice 2026-11", recipients: "2 recipients: customer.example",
        status: "failed: 550 5.1.1 <bob@customer.example>: user unknown", tone: .danger, actions: [.edit, .discard])
    static let interrupted = OutboxRow(
        id: "20261129-090101-m2n4", subject: "見積書の件", recipients: "1 recipient: 取引先.jp",
        status: "interrupted: nothing was sent", tone: .warning, actions: [.release, .edit, .discard])
    static let sending = OutboxRow(
        id: "20261129-110301-zz01", subject: "至急：発注書", recipients: "1 recipient: example.com", status: "sending…",
        tone: .normal, actions: [])

    @Test("browse: three messages of different tones, Japanese subjects, the selected one marked")
    func browseSnapshot() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.held, Self.failed, Self.refused])
        _ = s.handle(.down, height: OutboxView.listHeight(24))
        let grid = OutboxView.render(s, width: 80, height: 24)
        assertSnapshot(grid, named: "outbox-browse")
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("Outbox"))
        #expect(text.contains("S Retry"))
        // The status is drawn in its tone's role.
        let warningRow = grid.textLines.firstIndex { $0.contains("retrying in 30 s") }!
        #expect(grid[warningRow, grid.width - 2].role == .warning)
        let dangerRow = grid.textLines.firstIndex { $0.contains("failed: 550") }!
        #expect(grid[dangerRow, grid.width - 2].role == .danger)
    }

    @Test("restart: what happened, that nothing was sent, and what to decide")
    func restartSnapshot() {
        let s = OutboxScreen(purpose: .restart, rows: [Self.interrupted, Self.failed])
        let grid = OutboxView.render(s, width: 80, height: 24)
        assertSnapshot(grid, named: "outbox-restart")
        let text = grid.textLines.joined(separator: " ")
        #expect(text.contains("guardmail stopped while these messages were waiting — nothing was sent."))
        #expect(text.contains("q Decide later"))
    }

    @Test("leaving: the title asks for a decision before leaving")
    func leaving() {
        let s = OutboxScreen(purpose: .leaving, rows: [Self.held])
        let text = OutboxView.render(s, width: 80, height: 24).textLines.joined(separator: " ")
        #expect(text.contains("Messages are still held. Decide for each before leaving"))
        #expect(text.contains("S Send now"))
        #expect(text.contains("q Back to the composer"))
    }

    @Test("empty outbox")
    func emptySnapshot() {
        let grid = OutboxView.render(OutboxScreen(purpose: .browse, rows: []), width: 80, height: 24)
        assertSnapshot(grid, named: "outbox-empty")
        #expect(grid.textLines.joined().contains("The outbox is empty."))
    }

    @Test("↑ ↓ j k move within the list")
    func moves() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.held, Self.failed, Self.refused])
        let h = OutboxView.listHeight(24)
        _ = s.handle(.down, height: h)
        _ = s.handle(.char("j"), height: h)
        _ = s.handle(.char("j"), height: h)
        #expect(s.cursor == 2)
        _ = s.handle(.up, height: h)
        #expect(s.cursor == 1)
        _ = s.handle(.char("k"), height: h)
        _ = s.handle(.char("k"), height: h)
        #expect(s.cursor == 0)
    }

    @Test("new rows every second: the cursor stays on the same message when a row before it goes")
    func updateKeepsSelection() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.held, Self.failed, Self.refused])
        _ = s.handle(.down, height: 10)
        _ = s.handle(.down, height: 10)
        #expect(s.selected?.id == Self.refused.id)
        s.update(rows: [Self.failed, Self.refused])
        #expect(s.cursor == 1)
        #expect(s.selected?.id == Self.refused.id)
        // The selected message itself goes: the cursor stays in place, on the one that followed.
        s.update(rows: [Self.failed])
        #expect(s.selected?.id == Self.failed.id)
        s.update(rows: [])
        #expect(s.selected == nil)
        #expect(s.cursor == 0)
    }

    @Test("discard needs a second d on the same message; any other key keeps it")
    func doubleDiscard() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.held, Self.failed])
        #expect(s.handle(.char("d"), height: 10).isEmpty)
        #expect(s.pendingDiscard == Self.held.id)
        #expect(s.status?.text == "Press d again to discard \"【ご案内】2026年度 お見積書の送付\"; nothing will be sent. Any other key keeps it.")
        #expect(s.handle(.char("d"), height: 10) == [.discard(Self.held.id)])
        #expect(s.pendingDiscard == nil)

        // d, move to another row, d: asks about that row, discards nothing.
        #expect(s.handle(.char("d"), height: 10).isEmpty)
        #expect(s.handle(.down, height: 10).isEmpty)
        #expect(s.pendingDiscard == nil)
        #expect(s.handle(.char("d"), height: 10).isEmpty)
        #expect(s.pendingDiscard == Self.failed.id)
        // Any other key keeps it.
        #expect(s.handle(.char("x"), height: 10).isEmpty)
        #expect(s.pendingDiscard == nil)
        #expect(s.status?.text.hasPrefix("Kept \"議事録（11月定例）\"") == true)
        #expect(s.handle(.char("d"), height: 10).isEmpty)
        // A resize is not an answer.
        #expect(s.handle(.resize, height: 10).isEmpty)
        #expect(s.handle(.char("d"), height: 10) == [.discard(Self.failed.id)])
    }

    @Test("the pending discard goes when its message leaves the outbox")
    func discardTargetGone() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.held, Self.failed])
        _ = s.handle(.char("d"), height: 10)
        s.update(rows: [Self.failed])
        #expect(s.pendingDiscard == nil)
        #expect(s.selected?.id == Self.failed.id)
        #expect(s.handle(.char("d"), height: 10).isEmpty) // asks again, about the row now selected
    }

    @Test("a key the selected message does not allow says why")
    func disallowed() {
        var s = OutboxScreen(purpose: .browse, rows: [Self.sending, Self.failed, Self.refused])
        #expect(s.handle(.char("u"), height: 10).isEmpty)
        #expect(s.status == StatusMessage("this message is being sent; it cannot be undone", isError: true))
        #expect(s.handle(.char("d"), height: 10).isEmpty)
        #expect(s.status?.text == "this message is being sent; it cannot be discarded")
        #expect(s.pendingDiscard == nil)
        _ = s.handle(.down, height: 10)
        #expect(s.handle(.char("u"), height: 10).isEmpty)
        #expect(s.status?.text == "this message cannot be undone (failed: 421 4.7.0 Try again later; retrying in 30 s) — S retries, e edits, d discards")
        #expect(s.status?.isError == true)
        _ = s.handle(.down, height: 10)
        #expect(s.handle(.char("S"), height: 10).isEmpty)
        #expect(s.status?.text.hasPrefix("this message cannot be retried (failed: 550") == true)
        #expect(s.handle(.char("e"), height: 10) == [.edit(Self.refused.id)])
    }

    @Test("allowed actions give their effects; q and Esc go back")
    func effects() {
        var s = OutboxScreen(purpose: .leaving, rows: [Self.held])
        #expect(s.handle(.char("u"), height: 10) == [.undo(Self.held.id)])
        #expect(s.handle(.char("S"), height: 10) == [.release(Self.held.id)])
        #expect(s.handle(.char("e"), height: 10) == [.edit(Self.held.id)])
        #expect(s.handle(.char("q"), height: 10) == [.back])
        #expect(s.handle(.escape, height: 10) == [.back])
        var empty = OutboxScreen(purpose: .browse, rows: [])
        #expect(empty.handle(.char("u"), height: 10).isEmpty)
        #expect(empty.status == StatusMessage("The outbox is empty.", isError: true))
        #expect(empty.handle(.char("q"), height: 10) == [.back])
    }

    @Test("a long list scrolls with the cursor and shows where it is")
    func scrolling() {
        let rows = (1...20).map { i in
            OutboxRow(
                id: "id-\(i)", subject: "件名 \(i)", recipients: "1 recipient: example.com", status: "sends in \(i) s",
                tone: .normal, actions: [.undo, .release, .edit, .discard])
        }
        var s = OutboxScreen(purpose: .browse, rows: rows)
        _ = s.handle(.end, height: OutboxView.listHeight(24))
        var text = OutboxView.render(s, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("件名 20"))
        #expect(text.contains("20/20"))
        #expect(!text.contains("件名 1\n"))
        _ = s.handle(.home, height: OutboxView.listHeight(24))
        text = OutboxView.render(s, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("件名 1 "))
        #expect(text.contains("1/20"))
        for _ in 0..<9 { _ = s.handle(.pageDown, height: OutboxView.listHeight(24)) }
        #expect(s.cursor == 19)
        let grid = OutboxView.render(s, width: 80, height: 24)
        #expect(grid.textLines.contains { $0.contains(">") && $0.contains("件名 20") })
    }

    @Test("every size from the minimum up: nothing overflows, no wide character is cut")
    func everySize() {
        var long = Self.failed
        long.subject = String(repeating: "長い件名", count: 20)
        long.recipients = "12 recipients: " + (0..<12).map { "取引先\($0).jp" }.joined(separator: ", ")
        for purpose in [OutboxScreen.Purpose.browse, .restart, .leaving] {
            var s = OutboxScreen(purpose: purpose, rows: [long, Self.held, Self.refused, Self.interrupted])
            _ = s.handle(.char("d"), height: 10)
            for width in [60, 61, 79, 80, 100] {
                for height in [16, 17, 24, 40] {
                    let grid = OutboxView.render(s, width: width, height: height)
                    #expect(grid.textLines.allSatisfy { DisplayWidth.of($0) <= width })
                    for row in 0..<height {
                        for x in 0..<width where grid[row, x].isContinuation {
                            #expect(x > 0 && DisplayWidth.of(grid[row, x - 1].text) == 2)
                        }
                    }
                    let text = grid.textLines.joined(separator: "\n")
                    #expect(text.contains("…"))
                    #expect(text.contains("Press d again"))
                }
            }
        }
        #expect(
            OutboxView.render(OutboxScreen(purpose: .browse, rows: []), width: 59, height: 24).textLines.joined()
                .contains("terminal too small (needs 60×16)"))
    }
}
