import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen")
struct ConfirmTests {
    typealias F = ConfirmFixture

    /// 鈴木 花子 (written to before) in To, a colleague in Cc, "Bob Smith" at the look-alike
    /// examp1e.jp and the audit address in Bcc, a quote attached: what the real policy says is
    /// a look-alike (block), a namesake, a new domain, an attachment going out (confirm) and a
    /// new recipient (info).
    static func mixed() -> ConfirmModel {
        F.screen(
            F.input(
                to: ["鈴木 花子 <hanako@example.jp>"], cc: ["同僚 <colleague@example.co.jp>"],
                bcc: ["Bob Smith <bob@examp1e.jp>", "audit@example.co.jp"]))
    }

    /// The same without the look-alike: Bob at a partner's domain in Bcc. Nothing blocks.
    static func clean() -> ConfirmModel {
        F.screen(
            F.input(
                to: ["鈴木 花子 <hanako@example.jp>"], cc: ["同僚 <colleague@example.co.jp>"],
                bcc: ["bob@partner.example", "audit@example.co.jp"]))
    }

    /// Three customers in To/Cc under an organisation that blocks from 3 domains on
    /// (`block_domains = 3`; the default asks below 5): `bulk-visible-recipients` blocks.
    static let bulkInput = F.input(
        to: ["a@alpha.example", "b@beta.example"], cc: ["顧客 <c@gamma.example>"], attachments: [])
    static let strictBulk = PolicyConfig(
        organisation: try! PolicyConfig.parseOrganisationFile("[rules.bulk-visible-recipients]\nblock_domains = 3\n", file: "policy.toml"))

    @Test("the real policy's findings for the mixed message: the look-alike blocks (its default)")
    func realFindings() {
        let m = Self.mixed()
        #expect(m.findings.map(\.ruleID) == ["lookalike-domain", "namesake", "new-domain", "external-attachment", "new-recipient"])
        #expect(m.findings[0].severity == .block)
        #expect(m.sendBlocker == "Blocked by lookalike-domain: change the message (q goes back)")
    }

    @Test("send needs every external recipient, every attachment and every confirm finding ticked, one by one")
    func ticksRequired() {
        var m = Self.clean()
        // 2 external recipients, 1 attachment, new-domain and external-attachment.
        #expect(m.requiredTicks.count == 5)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Still to tick (space): 2 external recipients, 1 attachment, 2 findings")
        // No tick-all: "a" does nothing, each Space ticks exactly one row.
        _ = m.handle(.char("a"), height: 20)
        #expect(m.requiredTicks.filter { m.isTicked($0) }.isEmpty)
        for _ in 0..<4 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.requiredTicks.filter { m.isTicked($0) }.count == 4)
        #expect(m.sendBlocker != nil)
        // Internal recipients come pre-ticked, need no tick, and the cursor skips them.
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == nil)
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("accepted findings are the confirm findings the sender ticked: never an info, a block or an unticked one")
    func accepted() {
        var m = Self.mixed()
        #expect(m.findings.indices.filter { m.isAccepted($0) }.isEmpty)
        F.tickEverything(&m)
        let accepted = m.findings.indices.filter { m.isAccepted($0) }.map { m.findings[$0].ruleID }
        #expect(accepted == ["namesake", "new-domain", "external-attachment"])
        // Unticking one takes it out again.
        m.cursor = m.rows.firstIndex(of: .finding(1))!
        _ = m.handle(.char(" "), height: 20)
        #expect(!m.isAccepted(1))
    }

    @Test("a block finding disables send and offers its fixes as keys; neither fix sends")
    func blocked() {
        var m = F.screen(Self.bulkInput, attachments: [], config: Self.strictBulk)
        #expect(m.findings.first?.ruleID == "bulk-visible-recipients")
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Blocked by bulk-visible-recipients: B: external To/Cc to Bcc · I: one message each, checked again")
        // Nothing ticked: B and I only ask for the message to be changed and checked again.
        #expect(m.handle(.char("B"), height: 20) == [.moveToBcc])
        #expect(m.handle(.char("I"), height: 20) == [.reviewOneEach])
        #expect(m.handle(.char("q"), height: 20) == [.back])
    }

    @Test("one message each: the policy runs again, the bulk block is gone, nothing is ticked, y needs every tick")
    func oneEach() {
        var m = F.screen(Self.bulkInput, attachments: [], config: Self.strictBulk, mode: .oneEach)
        #expect(m.mode == .oneEach)
        #expect(!m.findings.contains { $0.ruleID == "bulk-visible-recipients" })
        // The body opens with 鈴木様, whom the address book ties to example.jp: none of the
        // three is there, so salutation-mismatch asks too.
        #expect(m.findings.map(\.ruleID) == ["new-domain", "salutation-mismatch", "new-recipient"])
        #expect(m.requiredTicks.allSatisfy { !m.isTicked($0) })
        #expect(ConfirmView.truthLine(m).hasPrefix("One message to each of 3 recipients · external 3 in 3 domains · attachments 0 · hold 60 s"))
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Still to tick (space): 3 external recipients, 2 findings")
        #expect(m.handle(.char("I"), height: 20).isEmpty)
        #expect(m.status?.text == "Already one message to each recipient.")
        #expect(m.handle(.char("B"), height: 20).isEmpty)
        F.tickEverything(&m)
        #expect(m.handle(.char("y"), height: 20) == [.send])
        #expect(m.handle(.char("q"), height: 20) == [.back])
    }

    @Test("one message each does not skip the other rules: a look-alike still blocks, ticks or not")
    func oneEachStillBlocksLookalike() {
        // To a look-alike of a domain written to before and another external domain: blocked
        // by the look-alike, and asked about the two domains seeing each other. I must only
        // switch the mode.
        let input = F.input(to: ["Bob Smith <bob@examp1e.jp>", "c@gamma.example"], attachments: [])
        var written = F.screen(input, attachments: [])
        #expect(written.findings.prefix(2).map(\.ruleID) == ["lookalike-domain", "bulk-visible-recipients"])
        #expect(written.findings.prefix(2).map(\.severity) == [.block, .confirm])
        #expect(written.handle(.char("I"), height: 20) == [.reviewOneEach])

        var m = F.screen(input, attachments: [], mode: .oneEach)
        #expect(m.findings.first?.ruleID == "lookalike-domain")
        #expect(m.findings.first?.severity == .block)
        #expect(m.findings.contains { $0.ruleID == "namesake" })
        #expect(m.findings.contains { $0.ruleID == "new-domain" })
        F.tickEverything(&m)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Blocked by lookalike-domain: change the message (q goes back)")
    }

    @Test("one message each keeps the attachment rules and their typed challenges")
    func oneEachKeepsChallenges() throws {
        let organisation = try PolicyConfig.parseOrganisationFile("[rules.external-attachment]\nchallenge = true\n", file: "policy.toml")
        let config = PolicyConfig(organisation: organisation)
        var m = F.screen(F.input(to: ["a@alpha.example", "b@beta.example"]), config: config, mode: .oneEach)
        #expect(m.findings.contains { $0.ruleID == "external-attachment" && $0.severity == .confirm })
        #expect(m.challenges.count == 3) // the file name, alpha.example, beta.example
        F.tickEverything(&m)
        #expect(m.sendBlocker == "Type part of the file name 見積書_2026年度.pdf in its row to confirm it")
    }

    @Test("the one-each messages: one per recipient, that recipient alone in To, no Cc, no Bcc")
    func oneEachMessages() {
        let message = OutgoingMessage(
            from: F.sender, to: [.mailbox(F.mb("a@alpha.example")), .mailbox(F.mb("B@Beta.example"))],
            cc: [.mailbox(F.mb("顧客 <c@gamma.example>"))], bcc: [.mailbox(F.mb("a@ALPHA.example")), .mailbox(F.mb("audit@example.co.jp"))],
            subject: "お知らせ", body: "本文\n")
        let messages = OneMessageEach.messages(message)
        #expect(messages.map { $0.to.mailboxes.map(\.address) } == [["a@alpha.example"], ["B@beta.example"], ["c@gamma.example"], ["audit@example.co.jp"]])
        #expect(messages.allSatisfy { $0.cc.isEmpty && $0.bcc.isEmpty && $0.envelope.recipients.count == 1 })
        #expect(messages.allSatisfy { $0.subject == "お知らせ" && $0.body == "本文\n" })
        #expect(messages[2].to.mailboxes.first?.displayName == "顧客")
    }

    @Test("the one-each policy input shows an external recipient, every other one in Bcc, each once")
    func oneEachPolicyInput() {
        let input = F.input(to: ["colleague@example.co.jp", "a@alpha.example"], cc: ["A@alpha.example", "b@beta.example"], bcc: ["c@gamma.example"])
        let one = OneMessageEach.policyInput(input, isInternal: { $0.domain == "example.co.jp" })
        #expect(one.to.map(\.address) == ["a@alpha.example"])
        #expect(one.cc.isEmpty)
        #expect(one.bcc.map(\.address) == ["colleague@example.co.jp", "b@beta.example", "c@gamma.example"])
        #expect(one.body == input.body && one.attachments == input.attachments)
    }

    @Test("typed challenges: the external domain, part of the file name")
    func challenges() {
        let finding = Finding(
            ruleID: "external-attachment", severity: .confirm, message: "1 attachment goes to 2 external domains",
            challenges: [.typeDomain("examp1e.jp"), .typeFileNamePart(attachment: 0, fileName: "見積書_2026年度.pdf")])
        var m = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(F.mb("bob@examp1e.jp"), .to)], isInternal: { _ in false }, companies: [:],
            attachments: [F.quote], findings: [finding], holdSeconds: 60)
        F.tickEverything(&m)
        #expect(m.sendBlocker == "Type the domain examp1e.jp in its row to confirm it")
        guard let first = m.rows.firstIndex(where: { if case .challenge = $0 { return true } else { return false } }) else {
            Issue.record("no challenge row")
            return
        }
        m.cursor = first
        for key in [Key.text("example.jp")] { _ = m.handle(key, height: 20) }
        #expect(!m.isAnswered(0)) // the look-alike is not the same domain
        for _ in 0..<"example.jp".count { _ = m.handle(.backspace, height: 20) }
        _ = m.handle(.text("EXAMP1E.JP"), height: 20)
        #expect(m.isAnswered(0))
        _ = m.handle(.down, height: 20)
        _ = m.handle(.text("見積"), height: 20)
        #expect(!m.isAnswered(1)) // at least four characters
        _ = m.handle(.text("書_2"), height: 20)
        #expect(m.isAnswered(1))
        #expect(m.sendBlocker == nil)
    }

    @Test(
        "a typed part of a file name: at least min(4, stem length) characters, starting in the stem",
        arguments: [
            ("a.c", "a", true), ("a.c", "A.C", true), ("a.c", "c", false), ("a.c", ".c", false), ("a.c", "", false),
            ("ab.pdf", "ab", true), ("ab.pdf", "b.pd", true), ("ab.pdf", "b", false), ("ab.pdf", ".pdf", false),
            ("report.pdf", ".pdf", false), ("report.pdf", "pdf", false), ("report.pdf", "rt.p", true), ("report.pdf", "port", true),
            ("report.pdf", "rep", false), ("report.pdf", "repx", false), ("pdf.pdf", ".pdf", false), ("pdf.pdf", "f.pdf", true),
            ("archive.tar.gz", "tar.", true), ("archive.tar.gz", ".gz", false), ("README", "read", true), ("README", "ME", false),
            (".profile", "prof", true), ("見積書_2026年度.pdf", "見積書_", true), ("見積書_2026年度.pdf", "度.pdf", true),
            ("見積書_2026年度.pdf", "見積", false), ("見積書_2026年度.pdf", "書.pdf", false)
        ])
    func fileNamePart(name: String, typed: String, answers: Bool) {
        var m = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(F.mb("bob@partner.example"), .to)], isInternal: { _ in false }, companies: [:],
            attachments: [],
            findings: [
                Finding(
                    ruleID: "external-attachment", severity: .confirm, message: "m",
                    challenges: [.typeFileNamePart(attachment: 0, fileName: name)])
            ],
            holdSeconds: 60)
        m.cursor = m.rows.firstIndex(of: .challenge(0))!
        if !typed.isEmpty { _ = m.handle(.text(typed), height: 20) }
        #expect(m.isAnswered(0) == answers)
    }

    @Test("the truth line ends with the hold and the sender; no hold says so")
    func truthLineHold() {
        let m = Self.mixed()
        #expect(
            ConfirmView.truthLine(m) == "To 1 · Cc 1 · Bcc 2 · external 2 in 2 domains · attachments 1 (1.2 MiB) · hold 60 s · from 山田 太郎 <taro@example.co.jp>")
        let none = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(F.mb("colleague@example.co.jp"), .to)], isInternal: { _ in true },
            companies: [:], attachments: [], findings: [], holdSeconds: 0)
        #expect(ConfirmView.truthLine(none) == "To 1 · Cc 0 · Bcc 0 · external 0 in 0 domains · attachments 0 · no hold · from taro@example.co.jp")
        let internalOnly = F.screen(F.input(to: ["colleague@example.co.jp"], attachments: []), attachments: [])
        #expect(ConfirmView.truthLine(internalOnly).contains(" · hold 10 s · "))
    }

    @Test("the screen: truth line, real findings, groups by domain with flags and company, attachments with hash")
    func snapshot() {
        var m = Self.mixed()
        _ = m.handle(.char(" "), height: 20)
        assertSnapshot(ConfirmView.render(m, width: 100, height: 24), named: "confirm-mixed")
    }

    @Test("a reply: the title row says what it answers; recipients on the thread say so, the others keep their flags")
    func threadContext() throws {
        var m = Self.clean()
        m.thread = ConfirmModel.ThreadContext(
            line: "Reply to: 見積の件, 鈴木 花子 <hanako@example.jp>, Mon, 7 Dec 2026 10:15:00 +0900",
            parties: [RecipientKey(address: "hanako@example.jp")])
        let lines = ConfirmView.render(m, width: 160, height: 30).textLines
        #expect(lines[0].contains("check before sending  Reply to: 見積の件, 鈴木 花子 <hanako@example.jp>, Mon, 7 Dec 2026 10:15:00 +0900"))
        #expect(lines.contains { $0.contains("<hanako@example.jp>  on the thread") })
        #expect(lines.filter { $0.contains("on the thread") }.count == 1)
        #expect(!ConfirmView.render(Self.clean(), width: 160, height: 30).textLines.joined().contains("on the thread"))
    }

    @Test("a blocked bulk send: the block finding, the fixes in the status, nothing sendable")
    func blockedSnapshot() {
        let m = F.screen(Self.bulkInput, attachments: [], config: Self.strictBulk)
        assertSnapshot(ConfirmView.render(m, width: 100, height: 20), named: "confirm-blocked-bulk")
    }

    @Test("the same after I: one message to each, checked again, nothing ticked")
    func oneEachSnapshot() {
        let m = F.screen(Self.bulkInput, attachments: [], config: Self.strictBulk, mode: .oneEach)
        assertSnapshot(ConfirmView.render(m, width: 100, height: 20), named: "confirm-one-each")
    }

    /// 3,000 recipients in 40 domains, in To and Cc (a list pasted into the wrong fields).
    static func thousands() -> ConfirmModel {
        var to: [String] = [], cc: [String] = []
        for i in 0..<3000 {
            let address = "user\(i)@customer\(i % 40).example"
            if i < 2000 { to.append(address) } else { cc.append(address) }
        }
        return F.screen(F.input(to: to, cc: cc, attachments: [], body: "各位\n\n年末年始の営業についてお知らせいたします。\n"), attachments: [])
    }

    @Test("3,000 recipients in To/Cc: the bulk block shows, grouped, first screen drawn, scrolling keeps the cursor visible")
    func thousandsScreen() {
        var m = Self.thousands()
        #expect(m.groups.count == 40)
        #expect(m.groups.allSatisfy { $0.recipients.count == 75 })
        #expect(m.findings.map(\.ruleID) == ["bulk-visible-recipients", "many-domains", "new-domain", "new-recipient"])
        let first = ConfirmView.render(m, width: 100, height: 30)
        assertSnapshot(first, named: "confirm-3000-first")
        for _ in 0..<20 { _ = m.handle(.pageDown, height: ConfirmView.listHeight(30)) }
        let paged = ConfirmView.render(m, width: 100, height: 30).textLines.joined(separator: "\n")
        guard case .recipient(let g, let i) = m.rows[m.cursor] else {
            Issue.record("the cursor is not on a recipient after paging")
            return
        }
        #expect(g >= 6) // 20 pages down: well into the list
        #expect(paged.contains("<\(m.groups[g].recipients[i].mailbox.address)>"))
        _ = m.handle(.end, height: ConfirmView.listHeight(30))
        let last = ConfirmView.render(m, width: 100, height: 30).textLines.joined(separator: "\n")
        #expect(last.contains("user2999@customer39.example"))
    }
}
