import Glibc
import Journal
import Outbox
import Testing
import Transport
import Workflow
@testable import Delivery

/// What each outcome of a transaction does to the message: its state on disk, the journal, the
/// sent copy, the report and exit status, and what is submitted next.
@Suite("Dispatcher: what each transaction outcome does")
struct DispatcherOutcomeTests {
    @Test("every recipient accepted: sent, exit 0, out of the outbox into the sent folder, per-recipient results journalled")
    func accepted() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@example.com"], hold: 0)
        rig.server.then(ScriptedServer.accepted)

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .sent)
        #expect(report.exitStatus == 0)
        #expect(report.lines.contains("accepted: bob@example.com"))
        #expect(report.lines.contains("accepted: carol@example.com"))
        #expect(rig.diskState(frozen.id) == nil)
        #expect(rig.hasSentCopy(frozen.id))
        #expect(dispatcher.ownedItems.isEmpty)
        #expect(rig.isReleased(frozen.id))
        let entry = try rig.journal(frozen.messageID)
        #expect(entry.events.map(\.kind) == [.confirmed, .held, .submitting, .sent])
        #expect(Set(entry.results.map(\.address)) == ["bob@example.com", "carol@example.com"])
        #expect(entry.results.allSatisfy { $0.accepted })
    }

    @Test("some recipients refused: partly sent (exit 69), a sent copy kept, and a release goes to the refused only")
    func someRefused() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@example.com", "dave@example.com"], hold: 0)
        rig.server.then(ScriptedServer.refusing(["carol@example.com"]))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .partiallySent(refused: ["carol@example.com"]))
        #expect(report.exitStatus == 69)
        #expect(report.lines.contains("refused: carol@example.com: 550 5.1.1 no such user"))
        guard case .partiallySent(let refused, _) = rig.diskState(frozen.id) else {
            Issue.record("expected partiallySent on disk, got \(String(describing: rig.diskState(frozen.id)))")
            return
        }
        #expect(refused == ["carol@example.com"])
        #expect(rig.hasSentCopy(frozen.id))
        #expect(try rig.events(frozen.messageID).last == .partiallySent)
        // Time alone does not resend it.
        #expect(dispatcher.tick(now: frozen.releaseAt + 3600).isEmpty)
        #expect(rig.server.jobs.count == 1)

        rig.server.then(ScriptedServer.accepted)
        let retry = dispatcher.release(frozen.id, now: frozen.releaseAt + 4000)
        #expect(rig.server.jobs.last?.request.recipients == ["carol@example.com"])
        #expect(retry?.outcome == .sent)
        #expect(rig.diskState(frozen.id) == nil)
        #expect(rig.hasSentCopy(frozen.id))
    }

    @Test("a refusal echoed in another case is matched to the recipient as we sent it")
    func refusalInAnotherCase() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["Bob@Example.com", "carol@example.com"], hold: 0)
        rig.server.then(ScriptedServer.refusing(["bob@EXAMPLE.COM"]))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        let sentAs = try #require(rig.server.jobs.first?.request.recipients.first)
        #expect(sentAs.hasPrefix("Bob@"))
        #expect(report.outcome == .partiallySent(refused: [sentAs]))
        #expect(report.lines.contains("accepted: carol@example.com"))
    }

    @Test("every recipient refused: failed for good (exit 69), kept in the outbox, no sent copy, never retried on its own")
    func allRefused() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@example.com"], hold: 0)
        rig.server.then(ScriptedServer.refusing(["bob@example.com", "carol@example.com"]))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .failedPermanently)
        #expect(report.exitStatus == 69)
        #expect(rig.diskState(frozen.id)?.kind == .failedPermanently)
        #expect(!rig.hasSentCopy(frozen.id))
        #expect(try rig.events(frozen.messageID).last == .failed)
        #expect(dispatcher.tick(now: frozen.releaseAt + 3600).isEmpty)
        #expect(rig.server.jobs.count == 1)
    }

    @Test("a temporary failure is retried at its deadline, counted from when the answer came, and not a moment before")
    func temporaryFailureRetries() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        // The server takes 2 s to answer 421.
        let answeredAt = frozen.releaseAt + 2
        rig.server.during = { _ in rig.clock.set(answeredAt) }
        rig.server.then(ScriptedServer.failing(.rejected, "421 4.3.2 try again later", reply: SMTPReply(code: 421, text: "4.3.2 try again later")))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        let retryAt = answeredAt + RetryPolicy.standard.delay(afterAttempt: 1)
        #expect(report.outcome == .failedTemporarily(retryAt: retryAt))
        #expect(report.exitStatus == 75)
        #expect(
            rig.diskState(frozen.id)
                == .failedTemporarily(
                    reason: "421 4.3.2 try again later", attempt: 1, retryAt: retryAt, recipients: ["bob@example.com"]))
        let failed = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(failed.kind == .failedTemporarily)
        #expect(failed.at == Int64(answeredAt.seconds))
        rig.server.during = nil

        #expect(dispatcher.tick(now: Instant(seconds: retryAt.seconds.nextDown)).isEmpty)
        #expect(rig.server.jobs.count == 1)

        rig.server.then(ScriptedServer.accepted)
        let retried = try #require(dispatcher.tick(now: retryAt).first)
        #expect(retried.outcome == .sent)
        #expect(rig.server.jobs.count == 2)
        #expect(rig.server.statesOnDisk.last == .submitting(attempt: 2, recipients: ["bob@example.com"]))
    }

    @Test("a failure after the data: unknown (exit 75), kept, never resent on its own")
    func failureAfterData() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.connectionLost, "the connection broke after the message was sent", afterData: true))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .unknown)
        #expect(report.exitStatus == 75)
        #expect(rig.diskState(frozen.id) == .unknown(recipients: ["bob@example.com"]))
        let unknown = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(unknown.kind == .unknown)
        #expect(unknown.detail == "the connection broke after the message was sent")
        #expect(dispatcher.tick(now: frozen.releaseAt + 86_400).isEmpty)
        #expect(rig.server.jobs.count == 1)
        #expect(!rig.hasSentCopy(frozen.id))
    }

    @Test("a connection lost before the end of the data is a temporary failure, not unknown")
    func failureBeforeData() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.connectionLost, "the connection broke during DATA"))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.exitStatus == 75)
        #expect(rig.diskState(frozen.id)?.kind == .failedTemporarily)
    }

    @Test("not started (the account cannot be set up): failed for good (exit 78), nothing reaches the server")
    func notStarted() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then { _ in .notStarted(DeliveryError(.config, "the password command 'pass smtp' failed (exit 1)")) }

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .failedPermanently)
        #expect(report.exitStatus == 78)
        #expect(report.lines.contains("the password command 'pass smtp' failed (exit 1)"))
        #expect(
            rig.diskState(frozen.id)
                == .failedPermanently(
                    reason: "the password command 'pass smtp' failed (exit 1)", recipients: ["bob@example.com"]))
        #expect(try rig.events(frozen.messageID).last == .failed)
    }

    @Test("a login refused is a permanent failure with exit 77")
    func loginDenied() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.loginDenied, "the server refused the login", reply: SMTPReply(code: 535, text: "5.7.8 no")))

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .failedPermanently)
        #expect(report.exitStatus == 77)
        #expect(rig.diskState(frozen.id)?.kind == .failedPermanently)
    }

    @Test("a server that refuses an address we did not send to: the attempt counts as failed, nothing is marked sent")
    func refusedStranger() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@example.com"], hold: 0)
        rig.server.then { job in
            .submitted(
                SubmissionResult(
                    recipients: job.request.recipients.map { RecipientResult(address: $0, reply: ScriptedServer.ok) }
                        + [RecipientResult(address: "mallory@example.net", reply: SMTPReply(code: 550, text: "no"))],
                    dataReply: SMTPReply(code: 250, text: "queued"), bytesSent: job.request.messageSize))
        }

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .failedPermanently)
        guard case .failedPermanently(let reason, _) = rig.diskState(frozen.id) else {
            Issue.record("expected failedPermanently on disk, got \(String(describing: rig.diskState(frozen.id)))")
            return
        }
        #expect(reason.contains("mallory@example.net"))
        #expect(!rig.hasSentCopy(frozen.id))
    }

    @Test("an entry whose message changed after it was confirmed is not sent: the server never sees it")
    func changedMessageNotSent() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)
        let path = rig.outbox.messagePath(id: frozen.id)
        let file = try #require(fopen(path, "r+"))
        fputs("X-Tampered: yes\r\n", file)
        fclose(file)

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(report.outcome == .failedPermanently)
        #expect(report.exitStatus == 65)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("a recipient swapped in record.toml and state.toml alike is refused against the journal: exit 65, nothing sent, damaged")
    func swappedRecipientNotSent() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil
        try rig.swapRecipient("bob@example.com", for: "mallory@example.net", of: frozen.id)

        let second = try rig.dispatcher()
        #expect(try second.adopt(frozen.id, now: rig.clock.now))
        #expect(second.ownedItems.first?.record.recipients.map(\.address) == ["mallory@example.net"])
        let report = try #require(second.release(frozen.id, now: rig.clock.now))
        #expect(rig.server.jobs.isEmpty)
        #expect(report.exitStatus == 65)
        #expect(report.lines.first?.contains("'mallory@example.net' is not among the recipients confirmed in the send journal") == true)
        #expect(rig.outbox.list().problems.map(\.id) == [frozen.id])
    }
}
