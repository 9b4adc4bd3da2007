import MailCore
import Policy
import Testing
@testable import TUI

/// Issue 15, item 1: nothing on the confirmation and outbox screens is cut off at any width
/// from the 60×16 minimum up: findings, recipient rows, the truth line, the legend, the
/// server's reply; a block's reason stays visible under any other status message.
@Suite("Confirmation screen: nothing cut off")
struct ConfirmWrapTests {
    static func mb(_ text: String) -> Mailbox { try! AddressParser.parseMailbox(text) }

    static let sizes = [(60, 16), (80, 24), (200, 50)]

    static let namesake =
        "'鈴木 花子 様' is hanako@aozora-shoji.jp (青空商事株式会社) in the address book, but this message goes to hanako@aozora-shouji.jp, which you have never written to: 同姓同名の別人宛てではないか確認してください"

    /// A mail to a client and a partner with long Japanese findings and a long sender.
    static func screen() -> ConfirmModel {
        let findings = [
            Finding(
                ruleID: "namesake", severity: .confirm, message: namesake, subjects: [.recipient("hanako@aozora-shouji.jp")], flag: "NAMESAKE"),
            Finding(
                ruleID: "forgotten-attachment", severity: .confirm,
                message: "本文に「資料を添付いたしましたのでご査収ください」(line 3) とありますが、添付ファイルがありません。送る前に添付を確認してください"),
            Finding(
                ruleID: "new-domain", severity: .info,
                message: "1 domain you have never written to: aozora-shouji.jp (青空商事株式会社 の別ドメインかどうか、アドレス帳では確認できません)",
                subjects: [.domain("aozora-shouji.jp")], flag: "NEW")
        ]
        return ConfirmModel(
            from: "山田 太郎 (営業本部 第一営業部 課長代理) <taro.yamada.sales-division@example.co.jp>",
            recipients: [
                (mb("鈴木 花子 様 (青空商事株式会社 営業企画部 部長) <hanako@aozora-shouji.jp>"), .to),
                (mb("Bob Smith <bob@partner.example>"), .to), (mb("佐藤 次郎 <jiro@example.co.jp>"), .cc)
            ], isInternal: { $0 == "example.co.jp" }, companies: ["aozora-shouji.jp": "青空商事株式会社"], attachments: [],
            findings: findings, holdSeconds: 60)
    }

    /// A grid's text with every space and line break taken out: wrapped text compares with the
    /// original whatever the line breaks.
    static func squeezed(_ lines: [String]) -> String { lines.joined().filter { $0 != " " } }
    static func squeezed(_ text: String) -> String { text.filter { $0 != " " } }

    @Test("snapshots at 60×16, 80×24 and 200×50 with long Japanese findings", arguments: sizes)
    func snapshots(width: Int, height: Int) {
        assertSnapshot(ConfirmView.render(Self.screen(), width: width, height: height), named: "confirm-wrap-\(width)x\(height)")
    }

    @Test("every finding's whole text is on the screen when the cursor is on it, at every size", arguments: sizes)
    func findingsWhole(width: Int, height: Int) {
        var model = Self.screen()
        for (index, row) in model.rows.enumerated() {
            guard case .finding(let f) = row else { continue }
            model.cursor = index
            let text = Self.squeezed(ConfirmView.render(model, width: width, height: height).textLines)
            #expect(text.contains(Self.squeezed(DisplayWidth.displayable(model.findings[f].message))), "finding \(f) at \(width)×\(height)")
        }
    }

    @Test("a reply's thread line too long for the title row is shown whole under it, at every size")
    func threadLineWhole() {
        var model = Self.screen()
        model.thread = ConfirmModel.ThreadContext(
            line: "Reply to: 【重要】お見積りの件について, 鈴木 花子 <hanako@aozora-shoji.jp>, Mon, 7 Dec 2026 10:15:00 +0900", parties: [])
        for (width, height) in Self.sizes {
            let lines = ConfirmView.render(model, width: width, height: height).textLines
            #expect(Self.squeezed(lines).contains(Self.squeezed(model.thread!.line)), "\(width)×\(height)")
            #expect(Self.squeezed(lines).contains(Self.squeezed(model.from)), "\(width)×\(height)")
        }
    }

    @Test("every recipient row and the sender on the truth line are whole, at every size", arguments: sizes)
    func recipientsAndSenderWhole(width: Int, height: Int) {
        var model = Self.screen()
        let first = ConfirmView.render(model, width: width, height: height).textLines
        #expect(Self.squeezed(first).contains(Self.squeezed(model.from)))
        for (index, row) in model.rows.enumerated() {
            guard case .recipient(let g, let i) = row else { continue }
            model.cursor = index
            let recipient = model.groups[g].recipients[i]
            let text = Self.squeezed(ConfirmView.render(model, width: width, height: height).textLines)
            let name = recipient.mailbox.displayName.map { $0 + " " } ?? ""
            #expect(text.contains(Self.squeezed("\(name)<\(recipient.mailbox.address)>")), "recipient \(recipient.key) at \(width)×\(height)")
        }
    }

    @Test("the legend shows the most important keys and ? More keys; ? shows every key", arguments: sizes)
    func legendComplete(width: Int, height: Int) {
        var model = Self.screen()
        let bottom = ConfirmView.render(model, width: width, height: height).textLines.last!
        for key in ["Space Tick", "y Send", "q Back"] { #expect(bottom.contains(key), "\(key) at \(width)") }
        let entries = ConfirmView.legendEntries(model).filter { $0.key != "?" }
        let shortened = !entries.allSatisfy { bottom.contains("\($0.key) \($0.label)") }
        #expect(shortened == bottom.contains("? More keys"))
        _ = model.handle(.char("?"), height: ConfirmView.listHeight(height))
        #expect(model.showsAllKeys)
        let all = ConfirmView.render(model, width: width, height: height).textLines.suffix(4).joined(separator: "\n")
        for (key, label) in entries { #expect(all.contains("\(key) \(label)"), "\(key) at \(width)") }
        _ = model.handle(.char("?"), height: ConfirmView.listHeight(height))
        #expect(!model.showsAllKeys)
    }

    @Test("a block's reason stays on the screen under another status message")
    func blockReasonNeverCovered() {
        let block = Finding(ruleID: "bulk-visible-recipients", severity: .block, message: "40 external recipients in To/Cc", fixes: [.moveExternalToBcc])
        var model = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(Self.mb("a@client.example"), .to)], isInternal: { _ in false }, companies: [:],
            attachments: [], findings: [block], holdSeconds: 60)
        model.status = StatusMessage("The address book '/home/taro/.config/guardmail/addressbook.txt' is missing: no companies are shown", isError: true)
        for (width, height) in Self.sizes {
            let text = Self.squeezed(ConfirmView.render(model, width: width, height: height).textLines)
            #expect(text.contains(Self.squeezed(model.sendBlocker!)), "block at \(width)×\(height)")
            #expect(text.contains(Self.squeezed(model.status!.text)), "status at \(width)×\(height)")
        }
        // `y` while blocked says the block once, not twice.
        _ = model.handle(.char("y"), height: 10)
        let lines = ConfirmView.render(model, width: 80, height: 24).textLines
        #expect(lines.filter { $0.contains("Blocked by") }.count == 1)
    }

    /// Five namesakes, two sensitive-data findings and an info finding, all for one recipient.
    static func grouped() -> ConfirmModel {
        let namesakes = (1...5).map { n in
            Finding(
                ruleID: "namesake", severity: .confirm,
                message: "'担当者\(n)' is person\(n)@aozora-shoji.jp (青空商事株式会社) in the address book, but this recipient is p\(n)@client.example")
        }
        let sensitive = [
            Finding(ruleID: "sensitive-data", severity: .confirm, message: "2 My Numbers (個人番号, valid check digit), first at body line 4"),
            Finding(ruleID: "sensitive-data", severity: .confirm, message: "1 card number (Luhn-valid), first at body line 9")
        ]
        let info = Finding(ruleID: "new-recipient", severity: .info, message: "an external address you have never written to: a@client.example")
        return ConfirmModel(
            from: "taro@example.co.jp", recipients: [(mb("a@client.example"), .to)], isInternal: { _ in false }, companies: [:], attachments: [],
            findings: [namesakes[0], sensitive[0], info, namesakes[1], namesakes[2], sensitive[1], namesakes[3], namesakes[4]], holdSeconds: 60)
    }

    @Test("findings of one rule are grouped with their count; a group of more than three starts closed and Enter opens it")
    func groupedFindings() {
        var model = Self.grouped()
        // Together by rule, in the order the rules first came; the info finding last.
        #expect(model.findings.map(\.ruleID) == Array(repeating: "namesake", count: 5) + ["sensitive-data", "sensitive-data", "new-recipient"])
        #expect(model.findingGroups == [0..<5, 5..<7])
        #expect(model.closedGroups == [0])
        let text = ConfirmView.render(model, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains(" ▸  CONFIRM namesake: 5 findings, 0 ticked (Enter shows each)"), "\(text)")
        #expect(text.contains(" ▾  CONFIRM sensitive-data: 2 findings, 0 ticked"), "\(text)")
        #expect(text.contains("   [ ] CONFIRM 2 My Numbers"), "\(text)")
        #expect(!text.contains("'担当者2'"), "a closed group shows its first finding only")
        #expect(model.sendBlocker == "Still to tick (space): 1 external recipient, 7 findings")
        // The cursor starts on the closed group; Space opens it and goes to its first finding.
        #expect(model.rows[model.cursor] == .group(0))
        _ = model.handle(.char(" "), height: 18)
        #expect(model.closedGroups.isEmpty && model.rows[model.cursor] == .finding(0))
        for _ in 0..<5 { _ = model.handle(.char(" "), height: 18) }
        #expect((0..<5).allSatisfy { model.isTicked(.finding($0)) })
        // Space went on past the open sensitive-data header to its first finding.
        #expect(model.rows[model.cursor] == .finding(5))
        let opened = ConfirmView.render(model, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(opened.contains(" ▾  CONFIRM namesake: 5 findings, 5 ticked"), "\(opened)")
        // ← on a finding closes its group; the cursor goes to the header; the ticks stay.
        _ = model.handle(.left, height: 18)
        #expect(model.closedGroups == [1] && model.rows[model.cursor] == .group(1))
        #expect(model.sendBlocker == "Still to tick (space): 1 external recipient, 2 findings")
        _ = model.handle(.enter, height: 18)
        #expect(model.closedGroups.isEmpty)
    }

    @Test("↑ reaches an info or block finding above the first tick and shows it whole at 60×16")
    func upReachesFindingsAbove() {
        let block = Finding(
            ruleID: "lookalike-domain", severity: .block,
            message: "examp1e.co.jp looks like example.co.jp (an internal domain): '1' in place of 'l' — 社内ドメインに似せた宛先です。送信前に必ず確認してください")
        let long = (1...3).map {
            Finding(ruleID: "rule-\($0)", severity: .confirm, message: String(repeating: "長い説明文です。", count: 12))
        }
        var model = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(Self.mb("a@examp1e.co.jp"), .to)], isInternal: { _ in false }, companies: [:],
            attachments: [], findings: [block] + long, holdSeconds: 60)
        #expect(model.rows[model.cursor] == .finding(1))
        _ = model.handle(.up, height: ConfirmView.listHeight(16))
        #expect(model.rows[model.cursor] == .finding(0))
        let text = Self.squeezed(ConfirmView.render(model, width: 60, height: 16).textLines)
        #expect(text.contains(Self.squeezed(block.message)), "\(text)")
        // Space on a row without a tick moves on to the next one that takes a tick.
        _ = model.handle(.char(" "), height: ConfirmView.listHeight(16))
        #expect(model.rows[model.cursor] == .finding(1) && !model.isTicked(.finding(1)))
    }

    @Test("Japanese lines break between characters but not before 、。」 nor after 「")
    func kinsoku() {
        let lines = ScreenParts.wrap([Span("本文に「資料を添付いたしました」とありますが、添付ファイルがありません。", .normal)], width: 16, indent: 0)
        let texts = lines.map { $0.map(\.text).joined() }
        for text in texts.dropFirst() { #expect(!ScreenParts.noLineStart.contains(text.first!), "\(texts)") }
        for text in texts.dropLast() { #expect(!ScreenParts.noLineEnd.contains(text.last!), "\(texts)") }
        #expect(texts.joined() == "本文に「資料を添付いたしました」とありますが、添付ファイルがありません。")
        // A space-separated word is not broken when the line has a space to break at.
        #expect(
            ScreenParts.wrap([Span("hello wonderful world", .normal)], width: 12, indent: 0).map { $0.map(\.text).joined() } == ["hello", "wonderful", "world"])
    }

    @Test("wrapped spans keep every character, fit the width and never split a wide character")
    func wrapSpans() {
        let cases: [(String, Int, Int)] = [
            (Self.namesake, 60, 13), (Self.namesake, 20, 4), ("short", 10, 2), ("日本語の長い文章をここで折り返します", 7, 0),
            ("word word word word word", 9, 2), ("a  b", 3, 0)
        ]
        for (text, width, indent) in cases {
            let lines = ScreenParts.wrap([Span(text, .normal)], width: width, indent: indent)
            for line in lines { #expect(line.reduce(0) { $0 + $1.width } <= width, "\(text) at \(width)") }
            #expect(Self.squeezed(lines.flatMap { $0.map(\.text) }.joined()) == Self.squeezed(text), "\(text) at \(width)")
        }
    }
}

@Suite("Confirmation screen: drawing stays cheap")
struct ConfirmWrapCostTests {
    /// 5,000 recipients in To/Cc and 50 long Japanese findings of 10 rules (issue 15's benchmark
    /// screen): only the rows near the window are wrapped, so a frame costs the same as a short
    /// screen's. The targets (50 ms a frame, 5 ms a keystroke) hold here in a debug build
    /// (about 2 ms and 1 ms on the 2-core test machine); the keystroke bound is looser for a
    /// shared machine.
    @Test("a frame of 5,000 recipients and 50 long findings at 80×24, and a keystroke's redraw")
    func cost() {
        let recipients = (0..<5000).map { i in
            (ConfirmWrapTests.mb("顧客 \(i) 様 <user\(i)@customer\(i % 60).example>"), i < 3000 ? RecipientField.to : .cc)
        }
        let findings = (0..<50).map { i in
            Finding(ruleID: "rule-\(i % 10)", severity: .confirm, message: "\(i): " + ConfirmWrapTests.namesake)
        }
        var model = ConfirmModel(
            from: "山田 太郎 <taro@example.co.jp>", recipients: recipients, isInternal: { _ in false }, companies: [:], attachments: [],
            findings: findings, holdSeconds: 60)
        let clock = ContinuousClock()
        let frame = clock.measure { _ = ConfirmView.render(model, width: 80, height: 24) }
        var keystroke = Duration.zero
        for _ in 0..<100 {
            keystroke += clock.measure {
                _ = model.handle(.down, height: ConfirmView.listHeight(24))
                _ = ConfirmView.render(model, width: 80, height: 24)
            }
        }
        print("confirm frame 5000 recipients, 50 findings, 80x24: \(frame); keystroke and redraw: \(keystroke / 100)")
        #expect(frame < .milliseconds(50))
        #expect(keystroke / 100 < .milliseconds(20))
    }
}
