import MailCore
import Outbox
import Testing
import Workflow
@testable import Delivery

/// `guardmail sendmail` without a terminal parks a message that needs a confirmation;
/// `guardmail outbox confirm` starts its hold (docs/states.md, "Waiting for a confirmation").
@Suite struct DispatcherParkTests {
    private func outgoing(_ rig: DispatcherRig) throws -> PrebuiltOutgoing {
        let text = "From: taro@example.jp\nTo: bob@example.com\nBcc: secret@example.org\nSubject: s\n\nbody\n"
        let message = PrebuiltMessage.prepare(Array(text.utf8), date: "Mon, 7 Dec 2026 06:00:00 +0000", messageID: "<p1@example.jp>")
        let bob = try #require(try AddressParser.parseList("bob@example.com").mailboxes.first)
        let secret = try #require(try AddressParser.parseList("secret@example.org").mailboxes.first)
        return PrebuiltOutgoing(
            message: message, from: "taro@example.jp", mailFrom: "taro@example.jp",
            recipients: [Recipient(bob, field: .to), Recipient(secret, field: .bcc)], subject: "s", attachments: [])
    }

    @Test("a parked message waits: no tick and no restart sends it; confirm starts the hold, which sends it once without Bcc")
    func parkThenConfirm() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let id = try dispatcher.freeze(
            try outgoing(rig), account: rig.account, holdSeconds: 10, confirmation: ConfirmationRecord(confirmedBy: "t", via: "sendmail"),
            awaitingConfirmation: true, now: rig.clock.now)
        let everyone = ["bob@example.com", "secret@example.org"]
        #expect(rig.diskState(id) == .awaitingConfirmation(recipients: everyone))
        #expect(dispatcher.tick(now: rig.clock.now + 1_000_000).isEmpty)
        #expect(dispatcher.release(id, now: rig.clock.now) == nil, "release is not a confirmation")
        dispatcher.relinquish(now: rig.clock.now)
        #expect(rig.server.jobs.isEmpty)
        #expect(try rig.events("<p1@example.jp>").last == .interrupted)

        // Another process (outbox confirm) adopts it: the restart changes nothing.
        let confirmer = try rig.dispatcher()
        #expect(try confirmer.adopt(id, now: rig.clock.now))
        #expect(rig.diskState(id) == .awaitingConfirmation(recipients: everyone))
        let at = rig.clock.now + 50
        #expect(confirmer.confirmParked(id, holdSeconds: 10, confirmedBy: "taro@host", accepted: ["new-recipient"], now: at) == nil)
        #expect(rig.diskState(id) == .holding(releaseAt: at + 10, recipients: everyone))
        #expect(Array(try rig.events("<p1@example.jp>").suffix(2)) == [.confirmed, .held])
        // A second confirmation is refused.
        #expect(confirmer.confirmParked(id, holdSeconds: 10, confirmedBy: "taro@host", accepted: [], now: at) != nil)

        #expect(confirmer.tick(now: at + 9.5).isEmpty)
        rig.server.then(ScriptedServer.accepted)
        #expect(confirmer.tick(now: at + 10).map(\.outcome) == [.sent])
        #expect(confirmer.tick(now: at + 100).isEmpty)
        #expect(rig.server.jobs.map(\.request.recipients) == [everyone])
        let sent = String(decoding: try #require(rig.server.messages.first), as: UTF8.self)
        #expect(!sent.contains("secret@example.org"))
        #expect(sent.contains("Message-ID: <p1@example.jp>"))
    }

    @Test("outbox cancel drops a parked message; nothing is sent")
    func cancelParked() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let id = try dispatcher.freeze(
            try outgoing(rig), account: rig.account, holdSeconds: 10, confirmation: ConfirmationRecord(confirmedBy: "t", via: "sendmail"),
            awaitingConfirmation: true, now: rig.clock.now)
        dispatcher.relinquish(now: rig.clock.now)
        let other = try rig.dispatcher()
        #expect(other.cancel(id, now: rig.clock.now) == .done)
        #expect(rig.diskState(id) == nil)
        #expect(rig.server.jobs.isEmpty)
    }
}
