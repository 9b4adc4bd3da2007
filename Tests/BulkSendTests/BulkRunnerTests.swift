import Foundation
import Testing
import Bulk
import Journal
import MailCore
import Transport
@testable import BulkSend

@Suite("Bulk runs: batches, windows, the journal")
struct BulkRunnerTests {
    @Test("bcc: every recipient once, batches of the limit, each window marked in the journal before it goes out")
    func bccBatchesAndWindows() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(1050)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let server = FakeServer()
        var checked = 0
        server.onSubmit = { request in
            // Nothing leaves before the journal says it is out.
            let progress = try! journal.progress(of: [job.index.messages[0].messageID]).values.first!
            #expect(progress.latestEvent == .submitting)
            let marked = Set(BulkDetail.numbers(in: progress.events.last!.detail, after: "recipients #") ?? [])
            let numbers = request.recipients.map { address in job.index.recipients.first { $0.envelopeAddress == address }!.number }
            #expect(Set(numbers).isSubset(of: marked))
            checked += 1
        }
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        #expect(server.submissions.count == 11)
        #expect(server.submissions.allSatisfy { $0.recipients.count <= 100 })
        #expect(checked == 11)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        let after = try status(job, journal)
        #expect(after.delivered == 1050)
        #expect(after.remaining == 0)
        #expect(BulkReport.exitStatus(after) == 0)
        let events = try journal.progress(of: [job.index.messages[0].messageID]).values.first!.events.map(\.kind)
        #expect(events.first == .confirmed)
        #expect(events.last == .sent)
        // Windows, not one transaction per batch: fewer `submitting` events than batches.
        #expect(events.filter { $0 == .submitting }.count < 11)
    }

    @Test("452 too many recipients: the accepted ones are delivered, the rest go again at once in batches the server takes")
    func tooManyRecipients() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(250)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let server = FakeServer()
        server.maxRecipients = 30
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        // After the first 452 the limit is known: no later transaction is cut short again.
        let later = server.submissions.dropFirst(4)
        #expect(later.allSatisfy { $0.recipients.count <= 30 })
        #expect(try status(job, journal).delivered == 250)
    }

    @Test("a batch refused entirely with 452 is split in halves until it fits")
    func all452Split() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(8)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let server = FakeServer()
        let transport = SplitServer(inner: server, limit: 2)
        let run = BulkRunner(
            job: job, journal: journal, transport: transport, log: nil, runID: "r1", clock: FakeClock(),
            options: BulkRunOptions())
        let result = run.run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        #expect(transport.sizes == [8, 4, 2, 2, 4, 2, 2])
    }

    @Test("individual: one message each; 5xx refused for good, 4xx retried on resume; the summary and the exit status say so")
    func refusals() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(10)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.refuse = [
            people[2].mailbox.envelopeAddress: reply(550, "5.1.1 No such user"),
            people[5].mailbox.envelopeAddress: reply(450, "4.2.1 Mailbox busy")
        ]
        _ = runner(job, journal, server).run(status: try status(job, journal))
        var after = try status(job, journal)
        #expect(after.delivered == 8)
        #expect(after.refusedPermanently == 1)
        #expect(after.refusedTemporarily == 1)
        #expect(after.remaining == 1)
        #expect(BulkReport.exitStatus(after) == 75)
        let text = BulkReport.text(job: job, status: after)
        #expect(text.contains("refused: 550 5.1.1 No such user — 1 recipient:"))
        #expect(text.contains("#3 利用者3 <user3@example.org> (line 4)"))
        // Resume: only the 4xx one is tried again (and now accepted); the 5xx one is left alone.
        server.refuse = [people[2].mailbox.envelopeAddress: reply(550, "5.1.1 No such user")]
        let before = server.submissions.count
        _ = runner(job, journal, server).run(status: after)
        #expect(server.submissions.count == before + 1)
        #expect(server.submissions.last?.recipients == [people[5].mailbox.envelopeAddress])
        after = try status(job, journal)
        #expect(after.delivered == 9)
        #expect(BulkReport.exitStatus(after) == 69)
        // --retry-refused tries the 5xx one again.
        var options = BulkRunOptions()
        options.retryRefused = true
        server.refuse = [:]
        _ = runner(job, journal, server, options: options).run(status: after)
        #expect(try status(job, journal).delivered == 10)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
    }

    @Test("lost after the data: unknown, never resent by a plain resume; --resend-unknown sends it")
    func lostAfterData() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(6)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.script = { $0 == 3 ? .lostAfterData(delivered: true) : .normal }
        _ = runner(job, journal, server).run(status: try status(job, journal))
        var after = try status(job, journal)
        #expect(after.delivered == 5)
        #expect(after.unknown == 1)
        guard case .unknown = after.states[2] else {
            Issue.record("recipient 3 is \(after.states[2])")
            return
        }
        #expect(server.resets >= 1)
        #expect(BulkReport.exitStatus(after) == 75)
        server.script = { _ in .normal }
        let before = server.submissions.count
        _ = runner(job, journal, server).run(status: after)
        #expect(server.submissions.count == before, "a plain resume sent to an unknown recipient")
        var options = BulkRunOptions()
        options.resendUnknown = true
        _ = runner(job, journal, server, options: options).run(status: after)
        #expect(server.submissions.count == before + 1)
        after = try status(job, journal)
        #expect(after.delivered == 6)
        #expect(after.unknown == 0)
    }

    @Test("bcc: no answer after the data, from an error that names nobody: every recipient of the transaction is unknown, durably; a plain resume sends none")
    func silentAfterDataBcc() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(6)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let server = FakeServer()
        server.script = { _ in .silentAfterData(delivered: true) }
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.stopReason != nil)
        // Read back from the journal, as `--status` and `--resume` do.
        let after = try status(job, journal)
        #expect(after.unknown == 6)
        #expect(after.remaining == 0)
        #expect(BulkReport.exitStatus(after) == 75)
        server.script = { _ in .normal }
        _ = runner(job, journal, server).run(status: after)
        #expect(server.submissions.count == 1, "a plain resume sent to recipients who may have it")
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        var options = BulkRunOptions()
        options.resendUnknown = true
        _ = runner(job, journal, server, options: options).run(status: try status(job, journal))
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 2) }
        #expect(try status(job, journal).delivered == 6)
    }

    @Test("individual: no answer after the data stops the run at once (no second wait); only that recipient is unknown")
    func silentAfterDataIndividual() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(6)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.script = { $0 >= 3 ? .silentAfterData(delivered: true) : .normal }
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.stopReason?.contains("did not answer after the whole message") == true)
        #expect(server.submissions.count == 3)
        let after = try status(job, journal)
        #expect(after.delivered == 2)
        #expect(after.unknown == 1)
        guard case .unknown = after.states[2] else {
            Issue.record("recipient 3 is \(after.states[2])")
            return
        }
        #expect(after.remaining == 3)
        server.script = { _ in .normal }
        _ = runner(job, journal, server).run(status: after)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        #expect(try status(job, journal).unknown == 1)
    }

    @Test("a server that does not answer before the data is not tried again in the same run (no multiplied waits)")
    func timeoutIsNotRetried() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(4)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.script = { $0 == 2 ? .timeout : .normal }
        let clock = FakeClock()
        let result = runner(job, journal, server, clock: clock).run(status: try status(job, journal))
        #expect(result.stopReason?.contains("no reply to MAIL within 60 s") == true)
        #expect(server.submissions.count == 2)
        #expect(clock.slept.isEmpty)
        let after = try status(job, journal)
        #expect(after.delivered == 1)
        #expect(after.unknown == 0)
        #expect(after.remaining == 3)
        #expect(BulkReport.exitStatus(after) == 75)
    }

    @Test("a dropped connection is reopened and the message tried again; three failures in a row stop the run")
    func connectionFailures() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(10)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.script = { $0 == 2 ? .connectionLost : .normal }
        let clock = FakeClock()
        var result = runner(job, journal, server, clock: clock).run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        #expect(server.resets == 1)
        #expect(clock.slept.reduce(0, +) >= 0.5)
        #expect(try status(job, journal).delivered == 10)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }

        let folder2 = try TemporaryFolder()
        let (job2, journal2) = try makeJob(.individual, people, in: folder2)
        let down = FakeServer()
        down.script = { $0 >= 4 ? .mailRefused(reply(421, "4.3.2 Service not available")) : .normal }
        result = runner(job2, journal2, down).run(status: try status(job2, journal2))
        #expect(result.stopReason?.contains("not taking messages") == true)
        #expect(down.submissions.count == 6) // 3 delivered, then 3 tries of the 4th
        var after = try status(job2, journal2)
        #expect(after.delivered == 3)
        #expect(after.pending == 7)
        #expect(after.unknown == 0)
        // The server is back: resume completes, nobody twice.
        down.script = { _ in .normal }
        _ = runner(job2, journal2, down).run(status: after)
        after = try status(job2, journal2)
        #expect(after.delivered == 10)
        for person in people { #expect(down.count(person.mailbox.envelopeAddress) == 1) }
    }

    @Test("the message refused at DATA: nobody got it, recorded as refused for its recipients")
    func dataRefused() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(4)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        server.script = { $0 == 2 ? .dataRefused(reply(554, "5.7.1 Message rejected as spam")) : .normal }
        _ = runner(job, journal, server).run(status: try status(job, journal))
        let after = try status(job, journal)
        #expect(after.delivered == 3)
        #expect(after.states[1] == .refused(reply: "554 5.7.1 Message rejected as spam", permanent: true))
    }

    @Test("login denied stops at once with exit 77; nothing is unknown")
    func fatal() throws {
        let folder = try TemporaryFolder()
        let (job, journal) = try makeJob(.individual, try recipients(3), in: folder)
        let server = FakeServer()
        server.script = { _ in .loginDenied }
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.fatalExitStatus == 77)
        #expect(server.submissions.count == 1)
        let after = try status(job, journal)
        #expect(after.pending == 3)
        #expect(after.unknown == 0)
    }

    @Test("Ctrl-C between submissions: the rest is recorded as not submitted and stays pending")
    func stop() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(30)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        let run = runner(job, journal, server)
        run.shouldStop = { server.submissions.count >= 7 }
        let result = run.run(status: try status(job, journal))
        #expect(result.stopReason == "interrupted with Ctrl-C")
        let after = try status(job, journal)
        #expect(after.delivered == 7)
        #expect(after.pending == 23)
        #expect(after.unknown == 0)
        #expect(after.inFlight.isEmpty)
    }

    @Test("--rate spreads messages evenly")
    func rate() throws {
        let folder = try TemporaryFolder()
        let (job, journal) = try makeJob(.individual, try recipients(5), in: folder)
        let server = FakeServer()
        let clock = FakeClock()
        var options = BulkRunOptions()
        options.ratePerMinute = 120
        let start = clock.now
        _ = runner(job, journal, server, clock: clock, options: options).run(status: try status(job, journal))
        #expect(server.submissions.count == 5)
        #expect(abs(clock.now - start - 2.0) < 0.01, "5 messages at 120/min take 2 s, took \(clock.now - start)")
    }

    @Test("the pacer: first at once, then every 60/N seconds per unit")
    func pacer() {
        var pacer = BulkPacer(perMinute: 60)
        #expect(pacer.delay(weight: 1, now: 0) == 0)
        #expect(pacer.delay(weight: 1, now: 0) == 1)
        #expect(pacer.delay(weight: 10, now: 1.5) == 0.5)
        #expect(pacer.delay(weight: 1, now: 2) == 10)
        var none = BulkPacer(perMinute: nil)
        #expect(none.delay(weight: 1000, now: 0) == 0)
        #expect(none.delay(weight: 1000, now: 0) == 0)
    }
}

/// Refuses with 452 every recipient of a transaction larger than `limit` (some servers count
/// before accepting any), and records the sizes it saw.
final class SplitServer: BulkTransport {
    let inner: FakeServer
    let limit: Int
    var sizes: [Int] = []
    init(inner: FakeServer, limit: Int) {
        self.inner = inner
        self.limit = limit
    }
    func submit(_ request: SubmissionRequest) throws(TransportError) -> SubmissionResult {
        sizes.append(request.recipients.count)
        if request.recipients.count > limit {
            let results = request.recipients.map { RecipientResult(address: $0, reply: reply(452, "4.5.3 Too many recipients")) }
            throw TransportError(.rejected, "the server refused every recipient", reply: results[0].reply, recipients: results)
        }
        return try inner.submit(request)
    }
    func reset() { inner.reset() }
}

@Suite("Bulk runs: which 452 is a limit")
struct TooManyTests {
    @Test("452 4.5.3 and 'too many recipients' are the transaction's limit; 452 4.2.2 mailbox full is the recipient's")
    func classify() {
        #expect(reply(452, "4.5.3 Too many recipients").isTooManyRecipients)
        #expect(reply(452, "Too many recipients").isTooManyRecipients)
        #expect(reply(452, "").isTooManyRecipients)
        #expect(!reply(452, "4.2.2 Mailbox full").isTooManyRecipients)
        #expect(!reply(451, "4.5.3 Too many recipients").isTooManyRecipients)
    }

    @Test("a full mailbox (452 4.2.2) is a temporary refusal of that recipient, not a reason to split or stop")
    func mailboxFull() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(10)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let server = FakeServer()
        server.refuse = [people[3].mailbox.envelopeAddress: reply(452, "4.2.2 Mailbox full")]
        let result = runner(job, journal, server).run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        #expect(server.submissions.count == 1)
        let after = try status(job, journal)
        #expect(after.delivered == 9)
        #expect(after.states[3] == .refused(reply: "452 4.2.2 Mailbox full", permanent: false))
    }

    @Test("a server that says 'too many' even to one recipient stops the run instead of trying each address")
    func tooManyForOne() throws {
        let folder = try TemporaryFolder()
        let (job, journal) = try makeJob(.bcc, try recipients(200), in: folder)
        let server = FakeServer()
        let transport = SplitServer(inner: server, limit: 0)
        let run = BulkRunner(
            job: job, journal: journal, transport: transport, log: nil, runID: "r", clock: FakeClock(),
            options: BulkRunOptions())
        let result = run.run(status: try status(job, journal))
        #expect(result.stopReason?.contains("even single recipients") == true)
        #expect(transport.sizes.count < 20, "\(transport.sizes)")
        #expect(try status(job, journal).delivered == 0)
    }
}
