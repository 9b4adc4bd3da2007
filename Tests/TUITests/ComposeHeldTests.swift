import Testing
@testable import TUI

@Suite("Composer: held messages")
struct ComposeHeldTests {
    static let from = "山田 太郎 <taro@example.co.jp>"

    @Test("u and o are command keys: undo the newest held message, open the outbox")
    func keys() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "件名")
        model.mode = .command
        #expect(model.handle(.char("u"), width: 80, bodyHeight: 10) == [.undoHeld])
        #expect(model.handle(.char("o"), width: 80, bodyHeight: 10) == [.openOutbox])
        #expect(model.status == nil)
        // While typing they are just letters.
        model.mode = .editing(.subject)
        #expect(model.handle(.char("u"), width: 80, bodyHeight: 10).isEmpty)
        #expect(model.subject.text == "件名u")
        let table = ComposeModel.commandKeys
        #expect(table.contains { $0 == ("u", "Undo", "take back the newest held message (before it is sent)") })
        #expect(table.contains { $0 == ("o", "Outbox", "held, failed and interrupted messages") })
    }

    @Test("the held line takes the status line when there is no status, in the warning role, never over a status")
    func heldLine() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "件名")
        model.mode = .command
        model.heldLine = "1 held: sends in 42 s — u undo · o outbox"
        var grid = ComposeView.render(model, width: 80, height: 24)
        let row = grid.textLines.firstIndex { $0 == " 1 held: sends in 42 s — u undo · o outbox" }
        #expect(row != nil)
        if let row { #expect(grid[row, 1].role == .warning) }
        model.status = StatusMessage("No attachment to detach.", isError: true)
        grid = ComposeView.render(model, width: 80, height: 24)
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("No attachment to detach."))
        #expect(!text.contains("1 held"))
    }

    @Test("the legend keeps two rows at 80 columns and shows every key at 60; the help fits 80×24")
    func legendAndHelp() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp")
        model.mode = .command
        #expect(ComposeView.legendRows(model, width: 80).count == 2)
        let narrow = ComposeView.render(model, width: 60, height: 16).textLines
        #expect(narrow.joined(separator: "\n").contains("u Undo"))
        #expect(narrow.joined(separator: "\n").contains("o Outbox"))
        model.mode = .help
        let help = ComposeView.render(model, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(help.contains("u     take back the newest held message (before it is sent)"))
        #expect(help.contains("o     held, failed and interrupted messages"))
        #expect(help.contains("PgUp PgDn scroll · other keys close"))
    }
}
