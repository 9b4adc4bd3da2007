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

    @Test("q on an empty message leaves at once; blanks alone are empty, an attachment or one address is not")
    func quitEmpty() {
        var empty = model()
        #expect(empty.isEmptyMessage)
        #expect(press(&empty, .escape, .char("q")) == [.leave(keepDraft: true)])
        #expect(empty.mode == .command)

        var blanks = ComposeModel(from: "taro@example.jp", accountName: "a", subject: "  ", body: "\n \n")
        blanks.mode = .command
        #expect(press(&blanks, .char("q")) == [.leave(keepDraft: true)])

        var addressOnly = model(to: "a@example.jp")
        #expect(press(&addressOnly, .escape, .char("q")).isEmpty)
        #expect(addressOnly.mode == .quitPrompt)

        var attached = ComposeModel(
            from: "taro@example.jp", accountName: "a", attachments: [AttachmentItem(path: "/tmp/a.pdf", name: "a.pdf", size: 1, contentType: "application/pdf")]
        )
        attached.mode = .command
        #expect(press(&attached, .char("q")).isEmpty)
        #expect(attached.mode == .quitPrompt)
    }

    @Test("words: runs between blanks; Japanese one word per three characters; more than five make a long draft")
    func draftWords() {
        #expect(ComposeModel.words("") == 0)
        #expect(ComposeModel.words("Thanks, see you") == 3)
        #expect(ComposeModel.words("捨てるメッセージ") == 3)
        #expect(ComposeModel.words("お世話になっております。見積書を送付いたします。") == 8)
        #expect(ComposeModel.words("PDFを送ります") == 3)
        let short = ComposeModel(from: "t@example.jp", accountName: "a", to: "a@example.jp", subject: "Hi", body: "see you soon\n")
        #expect(short.draftWords == 4 && !short.isLongDraft)
        let long = ComposeModel(from: "t@example.jp", accountName: "a", to: "a@example.jp", subject: "見積書", body: "お世話になっております。見積書を送付いたします。")
        #expect(long.draftWords == 9 && long.isLongDraft)
    }

    @Test("q on a long draft: Enter saves (the default); d asks once more, only y discards; any other key is back at the question")
    func quitLong() {
        var m = ComposeModel(
            from: "t@example.jp", accountName: "a", to: "a@example.jp", subject: "見積書", body: "お世話になっております。見積書を送付いたします。")
        m.mode = .command
        press(&m, .char("q"))
        #expect(m.mode == .quitPrompt)
        #expect(press(&m, .enter) == [.leave(keepDraft: true)])

        for second in [Key.char("d"), .char("D"), .enter, .char("s"), .escape, .paste("y")] {
            m.mode = .command
            press(&m, .char("q"))
            #expect(press(&m, .char("d")).isEmpty)
            #expect(m.mode == .discardConfirm)
            #expect(press(&m, second).isEmpty, "\(second)")
            #expect(m.mode == (second == .paste("y") ? .discardConfirm : .quitPrompt), "\(second)")
        }
        m.mode = .command
        press(&m, .char("q"), .char("d"))
        #expect(press(&m, .char("y")) == [.leave(keepDraft: false)])

        let text = { (model: ComposeModel) in ComposeView.render(model, width: 80, height: 24).textLines.joined(separator: "\n") }
        m.mode = .quitPrompt
        #expect(text(m).contains("The draft has 9 words."))
        #expect(text(m).contains("(s) save the draft and leave (Enter)"))
        #expect(text(m).contains("(d) discard the message (then y to confirm)"))
        m.mode = .discardConfirm
        #expect(text(m).contains("Discard this draft of 9 words for good?"))
    }

    @Test("q on a short draft: d discards at once, Enter saves")
    func quitShort() {
        var m = model(to: "a@example.jp")
        press(&m, .escape, .char("q"))
        #expect(press(&m, .enter) == [.leave(keepDraft: true)])
        m.mode = .command
        press(&m, .char("q"))
        #expect(press(&m, .char("d")) == [.leave(keepDraft: false)])
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
