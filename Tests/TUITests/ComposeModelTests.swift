import Testing
@testable import TUI

@Suite("Composer keys and state")
struct ComposeModelTests {
    func model(to: String = "", subject: String = "") -> ComposeModel {
        ComposeModel(from: "taro@example.jp", accountName: "work", to: to, subject: subject)
    }

    @discardableResult
    func press(_ model: inout ComposeModel, _ keys: Key...) -> [ComposeEffect] {
        var effects: [ComposeEffect] = []
        for key in keys { effects += model.handle(key, width: 80, bodyHeight: 10) }
        return effects
    }

    @Test("a new message starts in To; one with recipients starts in the subject or the body")
    func initialField() {
        #expect(model().mode == .editing(.to))
        #expect(model(to: "a@example.jp").mode == .editing(.subject))
        #expect(model(to: "a@example.jp", subject: "s").mode == .editing(.body))
    }

    @Test("Tab and Shift-Tab cycle the fields; nothing is completed")
    func tabCycle() {
        var m = model()
        press(&m, .text("han"))
        var seen: [ComposeMode] = []
        for _ in 0..<5 {
            press(&m, .tab)
            seen.append(m.mode)
        }
        #expect(seen == [.editing(.cc), .editing(.bcc), .editing(.subject), .editing(.body), .editing(.to)])
        #expect(m.to.text == "han")
        press(&m, .backTab)
        #expect(m.mode == .editing(.body))
    }

    @Test("leaving an address field parses it; typing again clears the old verdict")
    func validation() {
        var m = model()
        press(&m, .text("taro＠example.jp"), .tab)
        #expect(m.fieldErrors[.to]?.contains("U+FF20") == true)
        press(&m, .backTab)
        #expect(m.mode == .editing(.to))
        press(&m, .control("u"))
        #expect(m.fieldErrors[.to] == nil)
        press(&m, .text("taro@example.jp"), .escape)
        #expect(m.fieldErrors[.to] == nil)
        #expect(m.mode == .command)
    }

    @Test("y refuses while an address is invalid or there is no recipient, then opens the review")
    func sendNeedsValidAddressesAndCapitalY() {
        var m = model()
        press(&m, .text("bad@@example.jp"), .escape, .char("y"))
        #expect(m.mode == .command)
        #expect(m.status?.isError == true && m.status?.text.hasPrefix("Fix the To field first") == true)

        var empty = model()
        press(&empty, .escape, .char("y"))
        #expect(empty.status?.text.hasPrefix("No recipients") == true)

        var ok = model(to: "hanako@example.jp")
        #expect(press(&ok, .escape, .char("y")) == [.review])
    }

    @Test("q asks; b goes back, s keeps the draft, d discards")
    func quit() {
        var m = model(to: "a@example.jp")
        press(&m, .escape, .char("q"))
        #expect(m.mode == .quitPrompt)
        press(&m, .char("b"))
        #expect(m.mode == .command)
        press(&m, .char("q"))
        #expect(press(&m, .char("s")) == [.leave(keepDraft: true)])
        m.mode = .command
        press(&m, .char("q"))
        #expect(press(&m, .char("d")) == [.leave(keepDraft: false)])
        m.mode = .command
        #expect(press(&m, .char("P")) == [.leave(keepDraft: true)])
        #expect(press(&m, .control("c")) == [.leave(keepDraft: true)])
    }

    @Test("a: the typed path goes to the loop; D detaches the selected attachment")
    func attachAndDetach() {
        var m = model(to: "a@example.jp")
        press(&m, .escape, .char("a"), .text("~/見積書.pdf"))
        #expect(press(&m, .enter) == [.attach(path: "~/見積書.pdf")])
        m.attachmentAdded(AttachmentItem(path: "/h/a.pdf", name: "a.pdf", size: 1, contentType: "application/pdf"))
        m.attachmentAdded(AttachmentItem(path: "/h/b.pdf", name: "b.pdf", size: 1, contentType: "application/pdf"))
        press(&m, .up, .char("D"))
        #expect(m.attachments.map(\.name) == ["b.pdf"])
        press(&m, .char("D"))
        #expect(m.attachments.isEmpty)
        press(&m, .char("D"))
        #expect(m.status?.isError == true)
    }

    @Test("every change to the message moves the revision; moving the cursor does not")
    func revision() {
        var m = model()
        let start = m.revision
        press(&m, .text("a"))
        #expect(m.revision == start + 1)
        press(&m, .left, .right, .tab, .tab, .tab, .tab)
        #expect(m.revision == start + 1)
        press(&m, .text("本文"), .enter)
        #expect(m.revision == start + 3)
        #expect(m.body.text == "本文\n")
    }

    @Test("the draft offer: r resumes, n keeps it, d discards it")
    func resumeOffer() {
        let draft = DraftSummary(id: "d1", subject: "s", recipients: "a@example.jp", savedAt: "now")
        var m = model()
        m.mode = .resumeOffer(draft)
        #expect(press(&m, .char("x")).isEmpty)
        #expect(m.mode == .resumeOffer(draft))
        #expect(press(&m, .char("r")) == [.resumeDraft(id: "d1")])
        m.mode = .resumeOffer(draft)
        #expect(press(&m, .char("d")) == [.discardDraft(id: "d1")])
        m.mode = .resumeOffer(draft)
        #expect(press(&m, .char("n")).isEmpty)
        #expect(m.mode == .editing(.to))
    }
}


@Suite("The move-to-Bcc fix")
struct MoveToBccTests {
    @Test("external To and Cc recipients move to Bcc; internal ones stay; existing Bcc is kept")
    func move() {
        var m = ComposeModel(
            from: "taro@example.jp", accountName: "w", to: "a@example.com, 同僚 <colleague@example.jp>",
            cc: "\"Suzuki, H\" <h@example.org>", bcc: "audit@example.jp")
        let before = m.revision
        m.moveToBcc { $0.domain == "example.jp" }
        #expect(m.to.text == "同僚 <colleague@example.jp>")
        #expect(m.cc.text == "")
        #expect(m.bcc.text == "audit@example.jp, a@example.com, \"Suzuki, H\" <h@example.org>")
        #expect(m.revision == before + 1)
    }

    @Test("a recipient moved to Bcc is written there once by recipient key: Bob@ in To, bob@ in Cc and BOB@ in Bcc")
    func moveOnce() {
        var m = ComposeModel(
            from: "taro@example.jp", accountName: "w", to: "Bob <Bob@X.example>, c@example.com",
            cc: "bob@x.example, C@EXAMPLE.COM, d@example.org", bcc: "BOB@x.example")
        m.moveToBcc { $0.domain == "example.jp" }
        #expect(m.to.text == "" && m.cc.text == "")
        #expect(m.bcc.text == "BOB@x.example, c@example.com, d@example.org")
        #expect(m.status?.text == "Moved 3 external recipients to Bcc.")
    }
}
