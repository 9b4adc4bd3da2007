import Inspect
import Journal
import MailCore
import Outbox
import Store
import Testing
import Workflow

@testable import Delivery

/// The answered challenges go from the confirmation to the journal at the freeze (schema version
/// 6; docs/journal.md): the composer's path and sendmail's. The outbox record keeps them in words
/// only, and reads back as before.
@Suite("Dispatcher: the answered challenges, in the journal")
struct DispatcherChallengeTests {
    static let challenges = [
        OutboxChallenge(form: "domain", subject: "newclient.example", reason: "ticked faster than the items can be read", rushed: true, wrongAnswers: 1),
        OutboxChallenge(form: "recipient-choice", subject: "見積書.pdf", chosen: "bob@example.com", reason: "the file names another party")
    ]

    static let journalled = [
        JournalChallenge(form: .domain, subject: "newclient.example", reason: "ticked faster than the items can be read", rushed: true, wrongAnswers: 1),
        JournalChallenge(form: .recipientChoice, subject: "見積書.pdf", chosen: "bob@example.com", reason: "the file names another party")
    ]

    static func confirmation(via: String) -> ConfirmationRecord {
        var confirmation = ConfirmationRecord(
            confirmedBy: "taro@desk12", via: via,
            challenges: ["typed the domain newclient.example [ticked faster than the items can be read], after 1 wrong answer"], screen: "full")
        confirmation.answeredChallenges = challenges
        return confirmation
    }

    @Test("the composer's freeze journals each answered challenge, the pace's as rushed; the outbox record keeps the words and loads")
    func composerFreeze() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let message = try Delivery.buildMessage(
            DraftInput(to: ["bob@example.com"], subject: "Quarterly figures", body: "Below.\n"), account: rig.account,
            detector: ContentTypeDetector())
        let stamp = Delivery.stamp(for: message)
        let id = try dispatcher.freeze(
            message, stamp: stamp, account: rig.account, holdSeconds: 10, confirmation: Self.confirmation(via: "composer"), inspections: [],
            draft: DraftRecord?.none, now: rig.clock.now)
        #expect(try rig.journal(stamp.messageID).message.challenges == Self.journalled)
        let entry = try #require(rig.outbox.list().entries.first { $0.record.id == id })
        #expect(entry.record.confirmation.challenges == Self.confirmation(via: "composer").challenges)
        #expect(entry.record.confirmation.answeredChallenges.isEmpty)
    }

    @Test("sendmail's freeze journals them too")
    func sendmailFreeze() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let text = "From: taro@example.jp\nTo: bob@example.com\nSubject: s\n\nbody\n"
        let message = PrebuiltMessage.prepare(Array(text.utf8), date: "Mon, 7 Dec 2026 06:00:00 +0000", messageID: "<c1@example.jp>")
        let bob = try #require(try AddressParser.parseList("bob@example.com").mailboxes.first)
        let outgoing = PrebuiltOutgoing(
            message: message, from: "taro@example.jp", mailFrom: "taro@example.jp", recipients: [Recipient(bob, field: .to)], subject: "s",
            attachments: [])
        _ = try dispatcher.freeze(
            outgoing, account: rig.account, holdSeconds: 10, confirmation: Self.confirmation(via: "sendmail"), awaitingConfirmation: false,
            now: rig.clock.now)
        #expect(try rig.journal("<c1@example.jp>").message.challenges == Self.journalled)
    }
}
