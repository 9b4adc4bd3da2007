import Config
import Testing
import Transport
import Workflow
@testable import Delivery

/// The hand-off between the composer's thread and the submission thread: jobs in order, the
/// outcome back once, progress for the screens, and withdrawal that says what went out. Driven
/// here from one thread, calling the worker's side by hand, so every interleaving is chosen.
@Suite("Submission mailbox: jobs out, outcomes back, withdrawal tells the truth")
struct SubmissionMailboxTests {
    static let account: AccountConfig = {
        let config = try! ConfigLoader.parse(
            "[accounts.a]\nfrom = \"taro@example.jp\"\nsmtp_url = \"smtp://127.0.0.1:1\"\n",
            file: "config.toml")
        return try! config.account(named: "a")
    }()

    static func job(_ id: String, size: Int64 = 1000) -> SubmissionJob {
        SubmissionJob(
            id: id, account: account,
            request: SubmissionRequest(
                mailFrom: "taro@example.jp", recipients: ["hanako@example.jp"],
                messagePath: "/nonexistent/\(id)", messageSize: size))
    }

    static let accepted = SubmissionOutcome.submitted(
        SubmissionResult(
            recipients: [RecipientResult(address: "hanako@example.jp", reply: SMTPReply(code: 250, text: "OK"))],
            dataReply: SMTPReply(code: 250, text: "queued"), bytesSent: 1000))

    @Test("jobs are taken in the order posted, one at a time, and each outcome comes back once")
    func order() throws {
        let mailbox = SubmissionMailbox()
        let first = mailbox.post(Self.job("one"))
        let second = mailbox.post(Self.job("two"))
        #expect(first != second)
        let (taken, job) = try #require(mailbox.next())
        #expect(taken == first && job.id == "one")
        #expect(mailbox.next() == nil, "a second job while the first runs")
        #expect(mailbox.collect().isEmpty)
        mailbox.finish(first, outcome: Self.accepted, at: Instant(seconds: 42))
        let finished = mailbox.collect()
        #expect(finished.map(\.ticket) == [first] && finished.map(\.job.id) == ["one"] && finished[0].at == Instant(seconds: 42))
        #expect(mailbox.collect().isEmpty, "collected once")
        #expect(try #require(mailbox.next()).0 == second)
    }

    @Test("progress: waiting, then bytes sent, then waiting for the answer; nothing once finished")
    func progress() throws {
        let mailbox = SubmissionMailbox()
        let first = mailbox.post(Self.job("one"))
        let second = mailbox.post(Self.job("two"))
        _ = mailbox.next()
        #expect(mailbox.progress(first) == .sending(sent: 0, total: 0))
        #expect(mailbox.progress(second) == .waiting)
        mailbox.reportProgress(first, sent: 420, total: 1000)
        #expect(mailbox.progress(first) == .sending(sent: 420, total: 1000))
        #expect(mailbox.progress(first)?.words == "sending… 42 %")
        #expect(mailbox.proceed(first, at: .endOfMessage))
        #expect(mailbox.progress(first) == .awaitingReply)
        mailbox.finish(first, outcome: Self.accepted, at: Instant(seconds: 1))
        #expect(mailbox.progress(first) == nil)
    }

    @Test("a job withdrawn before it started is never taken: nothing went out")
    func withdrawQueued() {
        let mailbox = SubmissionMailbox()
        let ticket = mailbox.post(Self.job("one"))
        guard case .notStarted = mailbox.withdraw(ticket) else {
            Issue.record("expected notStarted")
            return
        }
        #expect(mailbox.next() == nil)
        guard case .unknownTicket = mailbox.withdraw(ticket) else {
            Issue.record("withdrawn twice")
            return
        }
    }

    @Test("withdrawn before the end of the message: every later checkpoint says stop, and its outcome is dropped")
    func withdrawBeforeTheEnd() {
        let mailbox = SubmissionMailbox()
        let ticket = mailbox.post(Self.job("one"))
        _ = mailbox.next()
        #expect(mailbox.proceed(ticket, at: .running))
        guard case .stoppedBeforeEnd = mailbox.withdraw(ticket) else {
            Issue.record("expected stoppedBeforeEnd")
            return
        }
        // The transport asks before the last bytes: the answer is no, so no final dot.
        #expect(!mailbox.proceed(ticket, at: .running))
        #expect(!mailbox.proceed(ticket, at: .endOfMessage))
        mailbox.finish(ticket, outcome: .failed(TransportError(.stopped, "stopped")), at: Instant(seconds: 1))
        #expect(mailbox.collect().isEmpty, "the UI thread recorded it already")
        #expect(mailbox.next() == nil)
    }

    @Test("withdrawn after the end of the message: the server may have it")
    func withdrawAfterTheEnd() {
        let mailbox = SubmissionMailbox()
        let ticket = mailbox.post(Self.job("one"))
        _ = mailbox.next()
        #expect(mailbox.proceed(ticket, at: .endOfMessage))
        guard case .mayHaveArrived = mailbox.withdraw(ticket) else {
            Issue.record("expected mayHaveArrived")
            return
        }
        mailbox.finish(ticket, outcome: Self.accepted, at: Instant(seconds: 1))
        #expect(mailbox.collect().isEmpty)
    }

    @Test("withdrawn after the answer came: the answer is handed over instead, once")
    func withdrawFinished() {
        let mailbox = SubmissionMailbox()
        let ticket = mailbox.post(Self.job("one"))
        _ = mailbox.next()
        mailbox.finish(ticket, outcome: Self.accepted, at: Instant(seconds: 7))
        guard case .finished(let finished) = mailbox.withdraw(ticket) else {
            Issue.record("expected finished")
            return
        }
        #expect(finished.ticket == ticket && finished.at == Instant(seconds: 7))
        guard case .submitted = finished.outcome else {
            Issue.record("expected the server's acceptance")
            return
        }
        #expect(mailbox.collect().isEmpty)
    }

    @Test("a stale ticket's question is answered no")
    func staleTicket() {
        let mailbox = SubmissionMailbox()
        let old = mailbox.post(Self.job("one"))
        _ = mailbox.next()
        mailbox.finish(old, outcome: Self.accepted, at: Instant(seconds: 1))
        let new = mailbox.post(Self.job("one"))
        _ = mailbox.next()
        #expect(!mailbox.proceed(old, at: .running))
        #expect(mailbox.proceed(new, at: .running))
        mailbox.reportProgress(old, sent: 5, total: 10)
        #expect(mailbox.progress(new) == .sending(sent: 0, total: 0))
    }
}
