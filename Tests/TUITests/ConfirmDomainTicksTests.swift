import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen: domain ticks (bulk announcements)")
struct ConfirmDomainTicksTests {
    static func bulk(_ count: Int, domains: Int) -> ConfirmModel {
        let recipients = (0..<count).map { index in
            (try! AddressParser.parseMailbox("member\(index)@d\(index % domains).example"), RecipientField.bcc)
        } + [(try! AddressParser.parseMailbox("staff@example.co.jp"), RecipientField.bcc)]
        return ConfirmModel(
            from: "山田 太郎 <taro@example.co.jp>", recipients: recipients, isInternal: { $0 == "example.co.jp" },
            companies: [:], attachments: [], findings: [], holdSeconds: 60, tickDomains: true)
    }

    @Test("each external domain is one tick; addresses and internal domains carry none")
    func oneTickPerExternalDomain() {
        var m = Self.bulk(3_000, domains: 30)
        #expect(m.requiredTicks.count == 30)
        #expect(m.requiredTicks.allSatisfy { if case .domain = $0 { true } else { false } })
        #expect(m.rows.contains { if case .recipient = $0 { m.tickID(of: $0) != nil } else { false } } == false)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Still to tick (space): 30 external domains")
        for _ in 0..<29 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker == "Still to tick (space): 1 external domain")
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == nil)
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("unticking a domain asks for it again")
    func untick() {
        var m = Self.bulk(10, domains: 2)
        _ = m.handle(.char(" "), height: 20)
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == nil)
        _ = m.handle(.up, height: 20)
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == "Still to tick (space): 1 external domain")
    }

    @Test("the domain row draws its box; the addresses under it have none")
    func drawn() {
        let m = Self.bulk(4, domains: 2)
        let text = ConfirmView.render(m, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains(" [ ] EXTERNAL d0.example  2 recipients"))
        #expect(text.contains("       Bcc  <member0@d0.example>"))
    }
}
