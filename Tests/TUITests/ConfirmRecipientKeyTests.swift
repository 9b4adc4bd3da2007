import MailCore
import Policy
import Testing
@testable import TUI

@Suite struct ConfirmRecipientKeyTests {
    typealias F = ConfirmFixture

    @Test("a finding naming Bob@X.example in another case flags the row of Bob@x.example")
    func flagsByKey() {
        let findings = [
            Finding(ruleID: "new-recipient", severity: .info, message: "m", subjects: [.recipient("BOB@X.EXAMPLE")], flag: "NEW"),
            Finding(ruleID: "namesake", severity: .confirm, message: "m", subjects: [.recipient("user@例え.jp")], flag: "NAMESAKE")
        ]
        let m = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(F.mb("Bob@X.example"), .to), (F.mb("user@xn--r8jz45g.jp"), .cc)],
            isInternal: { _ in false }, companies: [:], attachments: [], findings: findings, holdSeconds: 60)
        let rows = m.groups.flatMap(\.recipients)
        #expect(rows.map(\.mailbox.envelopeAddress) == ["Bob@x.example", "user@xn--r8jz45g.jp"])
        #expect(rows.map(\.flags) == [["NEW"], ["NAMESAKE"]])
    }

    @Test("flags go to every row of the key, each once, in finding order; domain flags to the domain's group; companies by domain")
    func flagsOnPreparedRecipients() {
        let findings = [
            Finding(ruleID: "new-recipient", severity: .info, message: "m", subjects: [.recipient("bob@x.example"), .recipient("BOB@x.example")], flag: "NEW"),
            Finding(ruleID: "new-domain", severity: .info, message: "m", subjects: [.domain("x.example"), .domain("none.example")], flag: "NEW DOMAIN"),
            Finding(ruleID: "namesake", severity: .confirm, message: "m", subjects: [.recipient("bob@x.example")], flag: "NAMESAKE"),
            Finding(ruleID: "new-domain", severity: .info, message: "m", subjects: [.domain("x.example")], flag: "NEW DOMAIN")
        ]
        // The same recipient twice (two spellings), another at the same domain, an internal one.
        let recipients: [(Mailbox, RecipientField)] = [
            (F.mb("Bob@x.example"), .to), (F.mb("carol@x.example"), .to), (F.mb("jiro@example.co.jp"), .cc), (F.mb("bob@X.example"), .bcc)
        ]
        let prepared = ConfirmRecipients(recipients, isInternal: { $0 == "example.co.jp" })
        let m = ConfirmModel(
            from: "taro@example.co.jp", recipients: prepared, companies: ["x.example": "X 株式会社"], attachments: [], findings: findings,
            holdSeconds: 60)
        #expect(m.groups.map(\.domain) == ["x.example", "example.co.jp"])
        #expect(m.groups[0].recipients.map(\.flags) == [["NAMESAKE", "NEW"], [], ["NAMESAKE", "NEW"]])
        #expect(m.groups[0].flags == ["NEW DOMAIN"] && m.groups[1].flags.isEmpty)
        #expect(m.groups.map(\.company) == ["X 株式会社", nil])
        #expect(m.counts == (2, 1, 1))
        // The same as grouped inside the model.
        let direct = ConfirmModel(
            from: "taro@example.co.jp", recipients: recipients, isInternal: { $0 == "example.co.jp" }, companies: ["x.example": "X 株式会社"],
            attachments: [], findings: findings, holdSeconds: 60)
        #expect(direct == m && direct.groups == m.groups)
    }
}
