import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen: bulk ticks (external recipients one by one, internal domains per domain)")
struct ConfirmDomainTicksTests {
    /// `count` external members over `domains` domains, then `staff` colleagues, as
    /// `guardmail bulk` opens its screen (internal domains not pre-ticked).
    static func bulk(_ count: Int, domains: Int, staff: Int = 1, preTickInternal: Bool = false) -> ConfirmModel {
        let recipients =
            (0..<count).map { index in
                (try! AddressParser.parseMailbox("member\(index)@d\(index % domains).example"), RecipientField.bcc)
            } + (0..<staff).map { (try! AddressParser.parseMailbox("staff\($0)@example.co.jp"), RecipientField.bcc) }
        return ConfirmModel(
            from: "山田 太郎 <taro@example.co.jp>", recipients: recipients, isInternal: { $0 == "example.co.jp" },
            companies: [:], attachments: [], findings: [], holdSeconds: 60, preTickInternal: preTickInternal,
            ticksInternalByDomain: true)
    }

    @Test("every external recipient is one tick; an external domain carries none; each internal domain is one")
    func ticks() {
        var m = Self.bulk(3_000, domains: 30, staff: 5)
        #expect(m.requiredTicks.count == 3_001)
        #expect(m.requiredTicks.filter { if case .recipient = $0 { true } else { false } }.count == 3_000)
        #expect(m.requiredTicks.last == .domain("example.co.jp"))
        let externalDomainRows = m.rows.filter { if case .domain(let g) = $0 { !m.groups[g].isInternal } else { false } }
        #expect(externalDomainRows.count == 30 && externalDomainRows.allSatisfy { m.tickID(of: $0) == nil })
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Still to tick (space): 3000 external recipients, 1 internal domain")
        // Space ticks one recipient and moves to the next: no domain-wide tick for outsiders.
        for _ in 0..<3_000 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker == "Still to tick (space): 1 internal domain")
        // The cursor is now on the internal domain; its addresses carry no box of their own.
        #expect(m.tickID(of: m.rows[m.cursor]) == .domain("example.co.jp"))
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == nil)
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("unticking a recipient asks for it again")
    func untick() {
        var m = Self.bulk(4, domains: 2, staff: 0)
        for _ in 0..<4 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker == nil)
        _ = m.handle(.up, height: 20)
        _ = m.handle(.char(" "), height: 20)
        #expect(m.sendBlocker == "Still to tick (space): 1 external recipient")
    }

    @Test("pre-ticked internal domains need nothing more")
    func preTicked() {
        var m = Self.bulk(2, domains: 1, staff: 3, preTickInternal: true)
        #expect(m.isTicked(.domain("example.co.jp")))
        #expect(m.sendBlocker == "Still to tick (space): 2 external recipients")
        for _ in 0..<2 { _ = m.handle(.char(" "), height: 20) }
        #expect(m.sendBlocker == nil)
    }

    @Test("each external address draws its box; the internal domain row draws one, its addresses none")
    func drawn() {
        let m = Self.bulk(4, domains: 2, staff: 2)
        let text = ConfirmView.render(m, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains(" EXTERNAL d0.example  2 recipients"))
        #expect(!text.contains("[ ] EXTERNAL"))
        #expect(text.contains("   [ ] Bcc  <member0@d0.example>"))
        #expect(text.contains(" [ ] INTERNAL example.co.jp  2 recipients"))
        #expect(text.contains("       Bcc  <staff0@example.co.jp>"))
    }
}
