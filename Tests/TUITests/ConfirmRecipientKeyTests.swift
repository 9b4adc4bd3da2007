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
}
