import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen")
struct ConfirmTests {
    static func mb(_ text: String) -> Mailbox { try! AddressParser.parseMailbox(text) }

    static let attachment = ConfirmAttachment(
        name: "見積書_2026年度.pdf", size: 1_234_567, summary: "PDF, 3 pages", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        warning: nil, preview: [])

    static func model(findings: [Finding] = [], attachments: [ConfirmAttachment] = [attachment]) -> ConfirmModel {
        ConfirmModel(
            from: "山田 太郎 <taro@example.co.jp>",
            recipients: [
                (mb("鈴木 花子 <hanako@example.jp>"), .to), (mb("bob@examp1e.jp"), .to), (mb("同僚 <colleague@example.co.jp>"), .cc),
                (mb("audit@example.co.jp"), .bcc),
            ],
            isInternal: { $0 == "example.co.jp" }, companies: ["example.jp": "鈴木商事株式会社"], attachments: attachments,
            findings: findings, holdSeconds: 60)
    }

    static let lookalike = Finding(
        ruleID: "lookalike-domain", severity: .confirm, message: "examp1e.jp looks like example.jp, written to before",
        subjects: [.domain("examp1e.jp"), .recipient("bob@examp1e.jp")], flag: "LOOK-ALIKE OF example.jp")

    @Test("send needs every external recipient, every attachment and every confirm finding ticked, one by one")
    func ticksRequired() {
        var m = Self.model(findings: [Self.lookalike])
        #expect(m.requiredTicks.count == 4)  // 2 external recipients, 1 attachment, 1 finding
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text.hasPrefix("Still to tick (space): 2 external recipients, 1 attachment, 1 finding") == true)
        // No tick-all: "a" does nothing, each Space ticks exactly one row.
        _ = m.handle(.char("a"), height: 20)
        #expect(m.requiredTicks.filter { m.isTicked($0) }.isEmpty)
        for _ in 0..<3 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker != nil)
        // Internal recipients come pre-ticked, need no tick, and the cursor skips them.
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == nil)
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("a block finding disables send and offers its fixes as keys")
    func blocked() {
        let block = Finding(
            ruleID: "bulk-visible-recipients", severity: .block, message: "2 external recipients in 2 domains are visible to each other in To/Cc",
            fixes: [.moveExternalToBcc, .sendIndividually])
        var m = Self.model(findings: [block], attachments: [])
        for _ in 0..<10 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text.contains("B moves the external recipients to Bcc") == true)
        #expect(m.handle(.char("B"), height: 20) == [.fix(.moveExternalToBcc)])
        #expect(m.handle(.char("I"), height: 20) == [.fix(.sendIndividually)])
        #expect(m.handle(.char("q"), height: 20) == [.back])
    }

    @Test("typed challenges: the external domain, part of the file name")
    func challenges() {
        let finding = Finding(
            ruleID: "external-attachment", severity: .confirm, message: "1 attachment goes to 2 external domains",
            challenges: [.typeDomain("examp1e.jp"), .typeFileNamePart(attachment: 0, fileName: "見積書_2026年度.pdf")])
        var m = Self.model(findings: [finding])
        for _ in 0..<10 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker == "Type the domain examp1e.jp in its row to confirm it")
        guard let first = m.rows.firstIndex(where: { if case .challenge = $0 { return true } else { return false } }) else {
            Issue.record("no challenge row")
            return
        }
        m.cursor = first
        for key in [Key.text("example.jp")] { _ = m.handle(key, height: 20) }
        #expect(!m.isAnswered(0))  // the look-alike is not the same domain
        for _ in 0..<"example.jp".count { _ = m.handle(.backspace, height: 20) }
        _ = m.handle(.text("EXAMP1E.JP"), height: 20)
        #expect(m.isAnswered(0))
        _ = m.handle(.down, height: 20)
        _ = m.handle(.text("見積"), height: 20)
        #expect(!m.isAnswered(1))  // at least four characters
        _ = m.handle(.text("書_2"), height: 20)
        #expect(m.isAnswered(1))
        #expect(m.sendBlocker == nil)
    }

    @Test("the screen: truth line, groups by domain with flags and company, attachments with hash")
    func snapshot() {
        var m = Self.model(findings: [Self.lookalike])
        _ = m.handle(.char(" "), height: 20)
        assertSnapshot(ConfirmView.render(m, width: 100, height: 24), named: "confirm-mixed")
    }

    @Test("a blocked bulk send: the block finding, the fixes in the status, nothing sendable")
    func blockedSnapshot() {
        let block = Finding(
            ruleID: "bulk-visible-recipients", severity: .block,
            message: "3 external recipients in 3 domains are visible to each other in To/Cc", fixes: [.moveExternalToBcc, .sendIndividually])
        let m = ConfirmModel(
            from: "taro@example.co.jp",
            recipients: [(Self.mb("a@alpha.example"), .to), (Self.mb("b@beta.example"), .to), (Self.mb("顧客 <c@gamma.example>"), .cc)],
            isInternal: { _ in false }, companies: [:], attachments: [], findings: [block], holdSeconds: 60)
        assertSnapshot(ConfirmView.render(m, width: 100, height: 20), named: "confirm-blocked-bulk")
    }

    @Test("3,000 recipients: grouped, first screen drawn, scrolling keeps the cursor visible")
    func thousands() {
        var recipients: [(Mailbox, RecipientField)] = []
        for i in 0..<3000 { recipients.append((Self.mb("user\(i)@customer\(i % 40).example"), .bcc)) }
        var m = ConfirmModel(
            from: "taro@example.co.jp", recipients: recipients, isInternal: { _ in false }, companies: [:], attachments: [],
            findings: [], holdSeconds: 60)
        #expect(m.groups.count == 40)
        #expect(m.groups.allSatisfy { $0.recipients.count == 75 })
        let first = ConfirmView.render(m, width: 100, height: 30)
        assertSnapshot(first, named: "confirm-3000-first")
        for _ in 0..<20 { _ = m.handle(.pageDown, height: ConfirmView.listHeight(30)) }
        let paged = ConfirmView.render(m, width: 100, height: 30)
        #expect(paged.textLines.joined().contains("customer6.example"))  // 20 pages down: well into the list
        _ = m.handle(.end, height: ConfirmView.listHeight(30))
        let last = ConfirmView.render(m, width: 100, height: 30).textLines.joined(separator: "\n")
        #expect(last.contains("user2999@customer39.example"))
    }
}
