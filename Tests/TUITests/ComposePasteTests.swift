import Testing
@testable import TUI

@Suite("Composer: pasting")
struct ComposePasteTests {
    func model(to: String = "", subject: String = "") -> ComposeModel {
        ComposeModel(from: "taro@example.jp", accountName: "work", to: to, subject: subject)
    }

    @discardableResult
    func press(_ model: inout ComposeModel, _ keys: Key...) -> [ComposeEffect] {
        var effects: [ComposeEffect] = []
        for key in keys { effects += model.handle(key, width: 80, bodyHeight: 10) }
        return effects
    }

    @Test("a paste into the body keeps its line breaks and tabs, and stays in the body")
    func body() {
        var m = model(to: "a@example.jp", subject: "件名")
        #expect(m.mode == .editing(.body))
        press(&m, .text("前置き"))
        let before = m.revision
        let effects = press(&m, .paste("一行目\t表の列\n二行目：よろしく\n\n三行目"))
        #expect(effects.isEmpty)
        #expect(m.mode == .editing(.body))
        #expect(m.body.text == "前置き一行目\t表の列\n二行目：よろしく\n\n三行目")
        #expect(m.body.cursor == TextPosition(line: 3, column: 3))
        #expect(m.revision == before + 1)
    }

    @Test("a paste into To: every line and tab-separated cell is one more address, in To")
    func addressField() {
        var m = model()
        #expect(m.mode == .editing(.to))
        press(&m, .paste("a@example.jp\tb@example.jp\r\n山田 花子 <hanako@example.co.jp>\n\n"))
        #expect(m.mode == .editing(.to))
        #expect(m.to.text == "a@example.jp, b@example.jp, 山田 花子 <hanako@example.co.jp>")
        #expect(m.cc.text.isEmpty && m.subject.text.isEmpty)
        // More pasted after what is there: separated by ", ".
        press(&m, .paste("\nc@example.jp"))
        #expect(m.to.text == "a@example.jp, b@example.jp, 山田 花子 <hanako@example.co.jp>, c@example.jp")
        press(&m, .tab)
        #expect(m.fieldErrors[.to] == nil)
    }

    @Test(
        "address pastes join with the text around the cursor",
        arguments: [
            ("x@example.jp", "", "", "x@example.jp"),
            ("x@example.jp\n", "", "", "x@example.jp"),
            ("\nx@example.jp", "a@example.jp", "", ", x@example.jp"),
            ("\nx@example.jp", "a@example.jp,", "", "x@example.jp"),
            ("x@example.jp\n", "", "b@example.jp", "x@example.jp, "),
            ("x@example.jp,\ny@example.jp", "", "", "x@example.jp, y@example.jp"),
            ("  x@example.jp \t y@example.jp  ", "", "", "x@example.jp, y@example.jp"),
            ("\n\n", "a@example.jp", "b@example.jp", ", ")
        ])
    func addressJoins(_ pasted: String, _ before: String, _ after: String, _ expected: String) {
        #expect(LineEditor.addressPaste(pasted, before: before, after: after) == expected)
    }

    @Test("a paste into the subject is one line; into the attach prompt the path alone")
    func oneLineFields() {
        var m = model(to: "a@example.jp")
        #expect(m.mode == .editing(.subject))
        press(&m, .paste("【ご案内】\n見積書の送付\n"))
        #expect(m.subject.text == "【ご案内】 見積書の送付")
        #expect(m.mode == .editing(.subject))
        press(&m, .escape, .char("a"), .paste("/tmp/見積書.pdf\n"))
        guard case .attachPrompt(let editor) = m.mode else {
            Issue.record("the prompt closed: \(m.mode)")
            return
        }
        #expect(editor.text == "/tmp/見積書.pdf")
        #expect(press(&m, .enter) == [.attach(path: "/tmp/見積書.pdf")])
    }

    @Test("pasted text never runs commands", arguments: ["y", "P", "q", "yyy\nP", "t"])
    func neverCommands(_ pasted: String) {
        var m = model(to: "a@example.jp", subject: "s")
        press(&m, .escape)
        #expect(m.mode == .command)
        let before = m
        #expect(press(&m, .paste(pasted)).isEmpty)
        #expect(m.mode == .command)
        #expect(m.status?.isError == true && m.status?.text.contains("never run as commands") == true)
        #expect(m.to == before.to && m.body == before.body && m.revision == before.revision)
        // Nor on the boxes.
        m.mode = .quitPrompt
        #expect(press(&m, .paste(pasted)).isEmpty)
        #expect(m.mode == .quitPrompt)
        m.mode = .help
        #expect(press(&m, .paste(pasted)).isEmpty)
        #expect(m.mode == .help)
    }

    @Test("bracketed paste text: CR, CR LF and LF become one line break; other controls are left out")
    func collector() {
        var c = PasteCollector()
        for scalar in "a\r\nb\rc\nd\te".unicodeScalars { c.add(scalar.value) }
        c.add(27)
        c.add(0)
        for scalar in "日本".unicodeScalars { c.add(scalar.value) }
        #expect(c.text == "a\nb\nc\nd\te日本")
    }

    @Test("a burst that can only be a paste becomes one; typing stays keys")
    func burst() {
        let pasted: [Key] = [.text("a@example.jp"), .tab, .text("b@example.jp"), .enter, .text("c"), .enter]
        #expect(KeyBurst.coalesce(pasted) == [.paste("a@example.jp\tb@example.jp\nc"), .enter])
        // Text then the keys typed after it: nothing to coalesce.
        #expect(KeyBurst.coalesce([.text("taro@example.jp"), .tab, .tab]) == [.text("taro@example.jp"), .tab, .tab])
        // Starting with a key, or with a key a paste does not make.
        let startsWithTab: [Key] = [.tab, .text("a"), .enter, .text("b")]
        #expect(KeyBurst.coalesce(startsWithTab) == startsWithTab)
        let arrows: [Key] = [.text("a"), .enter, .up, .text("b")]
        #expect(KeyBurst.coalesce(arrows) == arrows)
        #expect(KeyBurst.coalesce([.text("ab")]) == [.text("ab")])
    }
}
