import Testing
@testable import TUI

@Suite("Composer: one key table for the handler, the legend and the help")
struct ComposeKeyTableTests {
    static let from = "山田 太郎 <taro@example.co.jp>"

    func commandModel() -> ComposeModel {
        var m = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "件名")
        m.attachmentAdded(AttachmentItem(path: "/h/a.pdf", name: "a.pdf", size: 1, contentType: "application/pdf"))
        m.attachmentAdded(AttachmentItem(path: "/h/b.pdf", name: "b.pdf", size: 1, contentType: "application/pdf"))
        m.mode = .command
        m.status = nil
        return m
    }

    @Test("every key in the command table does what its row says; no other key does anything")
    func commandTableDrivesTheHandler() {
        for binding in ComposeModel.commandBindings {
            for key in binding.keys {
                var m = commandModel()
                let effects = m.handle(key, width: 80, bodyHeight: 10)
                #expect(m.status?.text.contains("No command on that key") != true, "\(binding.name)")
                switch binding.action {
                case .edit(let field): #expect(m.mode == .editing(field), "\(binding.name)")
                case .attach:
                    if case .attachPrompt = m.mode {} else { Issue.record("\(binding.name): \(m.mode)") }
                case .detach: #expect(m.attachments.count == 1)
                case .selectAttachment: #expect(m.selectedAttachment == (key == .up || key == .char("k") ? 0 : 1))
                case .externalEditor: #expect(effects == [.openExternalEditor])
                case .send: #expect(effects == [.review])
                case .undoHeld: #expect(effects == [.undoHeld])
                case .openOutbox: #expect(effects == [.openOutbox])
                case .postpone: #expect(effects == [.leave(keepDraft: true)])
                case .quit: #expect(m.mode == .quitPrompt)
                case .help: #expect(m.mode == .help)
                case .applyFix: #expect(effects.isEmpty && m.status?.text.hasPrefix("No fix to apply") == true, "\(binding.name)")
                case .nothing: #expect(effects.isEmpty && m.mode == .command)
                default: Issue.record("\(binding.name): an editing action in the command table")
                }
            }
        }
        let bound = Set(ComposeModel.commandBindings.flatMap(\.keys))
        for key in [Key.char("x"), .char("Y"), .char("p"), .char("T"), .control("d"), .delete] where !bound.contains(key) {
            var m = commandModel()
            #expect(m.handle(key, width: 80, bodyHeight: 10).isEmpty)
            #expect(m.status?.text.contains("No command on that key") == true)
        }
    }

    @Test("the editing table drives the keys while typing")
    func editingTableDrivesTheHandler() {
        for binding in ComposeModel.editingBindings {
            for key in binding.keys {
                var m = ComposeModel(from: Self.from, accountName: "work")
                m.mode = .editing(.cc)
                let effects = m.handle(key, width: 80, bodyHeight: 10)
                switch binding.action {
                case .nextField: #expect(m.mode == .editing(.bcc))
                case .previousField: #expect(m.mode == .editing(.to))
                case .stopEditing, .finishField: #expect(m.mode == .command)
                case .leaveKeepingDraft: #expect(effects == [.leave(keepDraft: true)])
                case .openPicker: #expect(effects == [.openPicker(.cc)] && m.mode == .editing(.cc))
                default: Issue.record("\(binding.name): a command action in the editing table")
                }
            }
        }
        // Enter in the body is a new line, not the header fields' "finish".
        var m = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "s")
        _ = m.handle(.enter, width: 80, bodyHeight: 10)
        #expect(m.mode == .editing(.body) && m.body.text == "\n")
    }

    @Test("the legend and the help list exactly the tables' rows")
    func legendAndHelpFromTables() {
        var m = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp")
        m.mode = .command
        let legend = ComposeView.legendRows(m, width: 200).flatMap { $0 }
        #expect(legend.map(\.0) == ComposeModel.commandBindings.filter(\.inLegend).map(\.name))
        #expect(legend.map(\.1) == ComposeModel.commandBindings.filter(\.inLegend).map(\.label))
        m.mode = .editing(.to)
        let editing = ComposeView.legendRows(m, width: 200).flatMap { $0 }
        #expect(editing.map(\.0) == ["Tab", "S-Tab", "Esc", "^C"])
        let help = ComposeView.helpLines()
        for binding in ComposeModel.commandBindings + ComposeModel.editingBindings where !binding.help.isEmpty {
            #expect(help.contains("  \(binding.name.padding(toWidth: 5)) \(binding.help)"), "\(binding.name)")
        }
    }
}

@Suite("Composer: the line-editing keys are in the help")
struct ComposeLineEditingHelpTests {
    @Test("Ctrl-K, Ctrl-U and Ctrl-W are in the help, and do what the help says in a field")
    func controlKeys() {
        let help = ComposeView.helpLines()
        for (name, text) in ComposeView.lineEditingHelp {
            #expect(help.contains("  \(name.padding(toWidth: 5)) \(text)"), "\(name)")
        }
        func edited(_ key: Key) -> String {
            var editor = LineEditor("taro@example.jp, hanako@example.jp")
            editor.moveHome()
            for _ in 0..<16 { editor.moveRight() } // after "taro@example.jp,"
            ComposeModel.edit(&editor, key)
            return editor.text
        }
        #expect(edited(.control("k")) == "taro@example.jp,")
        #expect(edited(.control("u")) == "")
        #expect(edited(.control("w")) == " hanako@example.jp")
    }
}

@Suite("Composer: the help box")
struct ComposeHelpTests {
    static let from = "山田 太郎 <taro@example.co.jp>"

    func helpModel() -> ComposeModel {
        var m = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "件名")
        m.mode = .help
        return m
    }

    @Test("at 80×24 the help shows every command key, says where it is and how to scroll, and cuts nothing")
    func helpAt80x24() {
        let grid = ComposeView.render(helpModel(), width: 80, height: 24)
        assertSnapshot(grid, named: "help-80x24")
        let text = grid.textLines.joined(separator: "\n")
        for binding in ComposeModel.commandBindings where !binding.help.isEmpty { #expect(text.contains(binding.help)) }
        #expect(text.contains("of \(ComposeView.helpLines().count) · ↑ ↓ PgUp PgDn scroll · other keys close"))
        #expect(!text.contains("…"))
    }

    @Test("at 60×16 the help scrolls: every line is reachable with ↓ and PgDn, long lines end in …")
    func helpAt60x16() {
        var m = helpModel()
        assertSnapshot(ComposeView.render(m, width: 60, height: 16), named: "help-60x16")
        var seen = Set<String>()
        for _ in 0..<40 {
            let grid = ComposeView.render(m, width: 60, height: 16)
            #expect(grid.textLines.allSatisfy { DisplayWidth.of($0) <= 60 })
            for line in grid.textLines { seen.insert(line.trimming("│ ")) }
            _ = m.handle(.down, width: 60, bodyHeight: 5, height: 16)
            #expect(m.mode == .help)
        }
        for line in ComposeView.helpLines() where !line.isEmpty {
            let shown = DisplayWidth.of(line) <= 55 ? line : String(DisplayWidth.prefix(line, fitting: 54).text) + "…"
            #expect(seen.contains(shown.trimming(" ")), "never shown: \(line)")
        }
        assertSnapshot(ComposeView.render(m, width: 60, height: 16), named: "help-60x16-end")
        _ = m.handle(.pageUp, width: 60, bodyHeight: 5, height: 16)
        _ = m.handle(.home, width: 60, bodyHeight: 5, height: 16)
        #expect(m.helpTop == 0)
        _ = m.handle(.pageDown, width: 60, bodyHeight: 5, height: 16)
        #expect(m.helpTop == ComposeView.helpWindow(height: 16))
        _ = m.handle(.char("x"), width: 60, bodyHeight: 5, height: 16)
        #expect(m.mode == .command && m.helpTop == 0)
    }

    @Test("a box drawn over half of a double-width character leaves no half character behind")
    func boxOverWideCharacter() {
        var m = ComposeModel(from: Self.from, accountName: "work", to: "help@example.jp", subject: "ヘルプ")
        m.mode = .help
        // At 100 columns the box's left border falls on the right half of "ヘ" (columns 12-13).
        let grid = ComposeView.render(m, width: 100, height: 30)
        for row in 0..<grid.height {
            for column in 0..<grid.width {
                let cell = grid[row, column]
                if cell.isContinuation {
                    #expect(column > 0 && DisplayWidth.of(grid[row, column - 1].text) == 2, "orphan right half at \(row):\(column)")
                } else if DisplayWidth.of(cell.text) == 2 {
                    #expect(column + 1 < grid.width && grid[row, column + 1].isContinuation, "wide character without its right half at \(row):\(column)")
                }
            }
        }
        #expect(grid.textLines[5].hasPrefix(" Subject:   │"))
    }

    @Test("the draft offer's choices wrap instead of being cut at 66 columns")
    func resumeOfferWraps() {
        var m = helpModel()
        m.mode = .resumeOffer(DraftSummary(id: "x", subject: "見積書", recipients: "hanako@example.jp", savedAt: "Sun, 29 Nov 2026 09:00:00 +0900"))
        let grid = ComposeView.render(m, width: 66, height: 20)
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("(r) resume"))
        #expect(text.contains("(n) new message, keep the draft"))
        #expect(text.contains("(d) discard the draft"))
        #expect(!text.contains("…"))
        assertSnapshot(grid, named: "resume-offer-66")
    }
}

@Suite("Composer: every invalid address and every missing attachment is shown")
struct ComposeProblemsTests {
    static let from = "山田 太郎 <taro@example.co.jp>"

    @Test("each invalid entry of a field gets its own reason")
    func everyInvalidAddress() {
        var m = ComposeModel(from: Self.from, accountName: "work")
        _ = m.handle(.text("taro＠example.jp, ok@example.jp, \"Yamada, J\" <jiro@@example.jp>, bad, 花子@example.jp"), width: 80, bodyHeight: 10)
        _ = m.handle(.tab, width: 80, bodyHeight: 10)
        let errors = m.addressErrors[.to] ?? []
        #expect(errors.count == 4)
        #expect(errors.first?.contains("U+FF20") == true)
        #expect(errors.dropFirst().first?.contains("jiro@@example.jp") == true || errors.dropFirst().first?.contains("'@'") == true)
        #expect(m.fieldErrors[.to] == errors.first)
        _ = m.handle(.escape, width: 80, bodyHeight: 10)
        _ = m.handle(.char("y"), width: 80, bodyHeight: 10)
        #expect(m.status?.text.hasPrefix("Fix the To field first: ") == true)
        #expect(m.status?.text.hasSuffix("(and 3 more invalid addresses)") == true)
        let grid = ComposeView.render(m, width: 80, height: 24)
        assertSnapshot(grid, named: "invalid-addresses-several")
        #expect(grid.textLines.filter { $0.contains("✗") }.count == 3)
    }

    @Test("entries around a group each get their reason; inside the group only the first is given")
    func invalidAddressesAroundAGroup() {
        var m = ComposeModel(from: Self.from, accountName: "work")
        _ = m.handle(.text("bad, Team: a@example.jp, b@example.jp;, worse, c＠example.jp"), width: 80, bodyHeight: 10)
        _ = m.handle(.tab, width: 80, bodyHeight: 10)
        let errors = m.addressErrors[.to] ?? []
        #expect(errors.count == 3)
        #expect(errors.first?.contains("'bad' has no '@'") == true)
        #expect(errors.dropFirst().first?.contains("'worse' has no '@'") == true)
        #expect(errors.last?.contains("U+FF20") == true)

        var g = ComposeModel(from: Self.from, accountName: "work")
        _ = g.handle(.text("Team: a@example.jp, bad, worse;"), width: 80, bodyHeight: 10)
        _ = g.handle(.tab, width: 80, bodyHeight: 10)
        #expect(g.addressErrors[.to]?.count == 1)
        #expect(g.addressErrors[.to]?.first?.contains("'bad' has no '@'") == true)
    }

    @Test("a single invalid entry keeps the whole reason on up to two rows")
    func oneInvalidAddress() {
        var m = ComposeModel(from: Self.from, accountName: "work")
        _ = m.handle(.text("ok@example.jp, taro＠example.jp"), width: 80, bodyHeight: 10)
        _ = m.handle(.tab, width: 80, bodyHeight: 10)
        #expect(m.addressErrors[.to]?.count == 1)
    }

    @Test("an attachment that cannot be attached stays listed with its problem; y refuses until it is removed")
    func missingAttachment() {
        var m = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp", subject: "資料")
        m.attachmentAdded(AttachmentItem(path: "/tmp/ok.pdf", name: "ok.pdf", size: 10, contentType: "application/pdf"))
        m.attachmentMissing(path: "/tmp/消えた見積書.pdf", problem: "no such file or directory")
        m.mode = .command
        m.status = nil
        assertSnapshot(ComposeView.render(m, width: 80, height: 24), named: "attachment-missing")
        #expect(m.attachments.map(\.path) == ["/tmp/ok.pdf", "/tmp/消えた見積書.pdf"])
        #expect(m.handle(.char("y"), width: 80, bodyHeight: 10).isEmpty)
        #expect(m.status?.isError == true && m.status?.text.contains("消えた見積書.pdf") == true)
        #expect(m.selectedAttachment == 1)
        _ = m.handle(.char("D"), width: 80, bodyHeight: 10)
        #expect(m.attachments.map(\.name) == ["ok.pdf"])
        #expect(m.handle(.char("y"), width: 80, bodyHeight: 10) == [.review])
    }
}

extension String {
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return String(s)
    }
}
