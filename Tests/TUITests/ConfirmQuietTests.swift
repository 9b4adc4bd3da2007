import MailCore
import Policy
import Testing
@testable import TUI

/// Issue 15, "quiet when routine, loud when risky": which confirmation a message gets (none,
/// one key, the full screen) and which rows take a tick, from the real policy
/// (`ConfirmFixture`: written to hanako@example.jp before; internal is example.co.jp).
@Suite("Confirmation screen: quiet when routine, loud when risky")
struct ConfirmQuietTests {
    typealias F = ConfirmFixture
    /// To a colleague: no salutation naming a customer (the fixture's 鈴木様 is one).
    static let colleague = "次郎さん\n\n会議は三時からです。\n"

    static func recipientTicks(_ m: ConfirmModel) -> [String] {
        m.requiredTicks.compactMap { if case .recipient(let key) = $0 { key } else { nil } }
    }

    @Test("internal only, nothing above info: no screen (the hold is the check); with attachments too")
    func internalOnly() {
        let m = F.screen(F.input(to: ["jiro@example.co.jp"], attachments: [], body: Self.colleague), attachments: [], scope: .riskOnly)
        #expect(m.findings.allSatisfy { $0.severity == .info })
        #expect(m.screenKind == .none)
        #expect(m.requiredTicks.isEmpty)
        let attached = F.screen(F.input(to: ["jiro@example.co.jp"], body: Self.colleague), scope: .riskOnly)
        #expect(attached.screenKind == .none)
        // Internal attachments take no tick: they do not go outside.
        #expect(attached.requiredTicks.isEmpty)
        #expect(attached.tickID(of: .attachment(0)) == nil)
    }

    @Test("internal only with a finding to confirm: the full screen, the finding ticked, nothing else")
    func internalWithFinding() {
        // "添付" with nothing attached: forgotten-attachment (confirm).
        let m = F.screen(F.input(to: ["jiro@example.co.jp"], attachments: [], body: "資料を添付します。\n"), attachments: [], scope: .riskOnly)
        #expect(m.findings.contains { $0.ruleID == "forgotten-attachment" && $0.severity == .confirm })
        #expect(m.screenKind == .full)
        #expect(m.requiredTicks.allSatisfy { if case .finding = $0 { true } else { false } })
        #expect(!m.requiredTicks.isEmpty)
    }

    @Test("known external recipient, no attachment, nothing above info: one key; y sends at once and the screen says why")
    func oneKey() {
        var m = F.screen(F.input(to: ["hanako@example.jp"], attachments: []), attachments: [], scope: .riskOnly)
        #expect(m.findings.allSatisfy { $0.severity == .info })
        #expect(m.screenKind == .oneKey)
        #expect(m.requiredTicks.isEmpty)
        #expect(m.sendBlocker == nil)
        let text = ConfirmView.render(m, width: 120, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("Nothing to tick: every external recipient was written to before, no attachment, no finding to confirm. y sends."))
        #expect(text.contains("<hanako@example.jp>  written to before"))
        #expect(text.contains("EXTERNAL example.jp"))
        #expect(!text.contains("[ ]"))
        // Nothing to tick, so the legend offers no Space: y first.
        #expect(ConfirmView.legendEntries(m).first?.key == "y")
        #expect(!text.contains("Space Tick") && text.contains("y Send"))
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("the organisation switch: the same message gets the full screen, every external recipient and attachment ticked")
    func alwaysFull() {
        var m = F.screen(F.input(to: ["hanako@example.jp"], attachments: []), attachments: [], scope: .everything)
        #expect(m.screenKind == .full)
        #expect(Self.recipientTicks(m) == ["hanako@example.jp"])
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text == "Still to tick (space): 1 external recipient")
        let internalOnly = F.screen(F.input(to: ["jiro@example.co.jp"], body: Self.colleague), scope: .everything)
        #expect(internalOnly.screenKind == .full)
        #expect(internalOnly.requiredTicks == [.attachment(0)])
    }

    @Test("a known recipient with an attachment going outside: full screen, the attachment ticked, the known recipient shown without a tick")
    func attachmentOutside() {
        let m = F.screen(F.input(to: ["hanako@example.jp"]), scope: .riskOnly)
        #expect(m.screenKind == .full)
        #expect(Self.recipientTicks(m).isEmpty)
        #expect(m.requiredTicks.contains(.attachment(0)))
        #expect(m.tickID(of: .recipient(group: 0, index: 0)) == nil)
        #expect(m.isKnownWithoutTick("hanako@example.jp"))
        let text = ConfirmView.render(m, width: 140, height: 30).textLines.joined(separator: "\n")
        #expect(text.contains("<hanako@example.jp>  written to before"))
        #expect(!text.contains("Nothing to tick"))
    }

    @Test("ticks only for what carries risk: a new address, a look-alike domain, a namesake; the known one is shown, not ticked")
    func riskyOnly() {
        // bob@example.jp: in the book, never written to (NEW); hanako@examp1e.jp: look-alike of
        // example.jp and a namesake of 鈴木 花子; hanako@example.jp: known.
        let m = F.screen(
            F.input(to: ["hanako@example.jp", "Bob Smith <bob@example.jp>"], cc: ["鈴木 花子 <hanako@examp1e.jp>"], attachments: []),
            attachments: [], scope: .riskOnly)
        #expect(m.screenKind == .full)
        #expect(Set(Self.recipientTicks(m)) == ["bob@example.jp", "hanako@examp1e.jp"])
        #expect(m.isKnownWithoutTick("hanako@example.jp"))
        // Each one ticked carries a flag of its own or of its domain.
        for (g, group) in m.groups.enumerated() {
            for (i, recipient) in group.recipients.enumerated() where m.tickID(of: .recipient(group: g, index: i)) != nil {
                #expect(!recipient.flags.isEmpty || !group.flags.isEmpty)
            }
        }
    }

    @Test("a flagged domain marks every address in it: a new domain's recipients are ticked")
    func newDomain() {
        let m = F.screen(F.input(to: ["someone@other.example"], attachments: []), attachments: [], scope: .riskOnly)
        #expect(m.groups[0].flags.contains("NEW"))
        #expect(m.screenKind == .full)
        #expect(Self.recipientTicks(m) == ["someone@other.example"])
    }

    @Test("a block keeps the full screen; ticking what is asked still cannot send")
    func blocked() {
        var m = F.screen(F.input(to: ["hanako@examp1e.jp"], attachments: []), attachments: [], scope: .riskOnly)
        #expect(m.findings.contains { $0.severity == .block })
        #expect(m.screenKind == .full)
        F.tickEverything(&m)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
    }
}
