import Inspect
import Journal
import Outbox
import Store
import Testing
import Workflow

@testable import Delivery

/// What the journal says about where a finding was accepted (docs/journal.md, "Findings").
@Suite("Dispatcher: where the findings were accepted, in the journal")
struct DispatcherAcceptanceTests {
    @Test("the composer's findings are accepted on the confirmation screen, send's with --accept; one not accepted says nothing")
    func acceptedWhere() throws {
        for (via, expected) in [("composer", "confirmation screen"), ("send", "--accept")] {
            let rig = try DispatcherRig()
            let dispatcher = try rig.dispatcher()
            let message = try Delivery.buildMessage(
                DraftInput(to: ["bob@example.com"], subject: "Quarterly figures", body: "Below.\n"), account: rig.account,
                detector: ContentTypeDetector())
            let stamp = Delivery.stamp(for: message)
            let confirmation = ConfirmationRecord(
                confirmedBy: "taro@desk12", via: via,
                findings: [
                    OutboxFinding(ruleID: "new-domain", severity: "confirm", message: "1 domain you have never written to", accepted: true),
                    OutboxFinding(ruleID: "new-recipient", severity: "info", message: "1 address you have never written to", accepted: false)
                ])
            _ = try dispatcher.freeze(
                message, stamp: stamp, account: rig.account, holdSeconds: 10, confirmation: confirmation, inspections: [],
                draft: DraftRecord?.none, now: rig.clock.now)
            let findings = try rig.journal(stamp.messageID).message.findings
            #expect(findings.map(\.ruleID) == ["new-domain", "new-recipient"])
            #expect(findings.map(\.acceptedBy) == [expected, nil], "via \(via)")
        }
    }
}
