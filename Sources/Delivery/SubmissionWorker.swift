// SubmissionWorker.swift — submissions off the composer's thread.
//
// The composer's loop must keep drawing, reading keys and saving drafts while a server takes
// its time (a slow reply to the final dot, a server that never answers). So the submission
// itself — the password command, the connection, the SMTP dialogue — runs on one worker thread.
// The split of work is:
//
//   - the UI thread decides: the `Dispatcher` applies the state machine (`markSubmittingDurably`
//     is written there, as in `guardmail send`) and posts a `SubmissionJob`: a value that holds
//     everything the submission needs (the account, the envelope, where the frozen bytes are);
//   - the worker takes jobs one at a time, submits, and leaves the `SubmissionOutcome` in the
//     mailbox; it never touches the outbox, the journal or the state machine;
//   - the UI thread collects finished outcomes at its next tick and records them (journal,
//     outbox, sent copy) exactly as an inline submission would.
//
// The mailbox is the only state the two threads share, behind one lock.

#if canImport(Glibc)
    import Glibc
#endif
import Config
import Dispatch
import Synchronization
import Transport
import Workflow

/// Everything one submission needs, and nothing another thread could change under it.
public struct SubmissionJob: Sendable {
    /// The outbox id of the message.
    public var id: String
    public var account: AccountConfig
    public var request: SubmissionRequest

    public init(id: String, account: AccountConfig, request: SubmissionRequest) {
        self.id = id
        self.account = account
        self.request = request
    }
}

/// What became of a submission, as the transport saw it. The `Dispatcher` turns it into an
/// event for the state machine.
public enum SubmissionOutcome: Sendable {
    /// The server took the message (some recipients may have been refused).
    case submitted(SubmissionResult)
    /// The dialogue failed; `afterData` on the error says whether the server may have it.
    case failed(TransportError)
    /// Nothing was tried: the account, its password command or libcurl could not be set up.
    case notStarted(DeliveryError)
}

/// A finished submission waiting in the mailbox for the UI thread.
public struct FinishedSubmission: Sendable {
    public var ticket: SubmissionTicket
    public var job: SubmissionJob
    public var outcome: SubmissionOutcome
    /// When the worker had the answer.
    public var at: Instant
}

/// Names one posted job (an outbox id may be submitted again later: a retry, a release).
public struct SubmissionTicket: Hashable, Sendable {
    let number: Int
}

/// Where a posted job stands, for the screens.
public enum SubmissionProgress: Sendable, Equatable {
    /// Waiting for an earlier submission to finish.
    case waiting
    /// Under way: `sent` of `total` bytes of the message handed over (0 of 0 before DATA).
    case sending(sent: Int64, total: Int64)
    /// Every byte and the final dot went out; waiting for the server's answer.
    case awaitingReply

    /// "sending…", "sending… 42 %", "waiting for the server's answer…", for status lines.
    public var words: String {
        switch self {
        case .waiting: return "waiting to be sent…"
        case .sending: return "sending…" + (percent.map { " \($0) %" } ?? "")
        case .awaitingReply: return "sent; waiting for the server's answer…"
        }
    }

    /// The share of the message handed over, in whole percent (rounded down); nil before the
    /// first byte or when not sending.
    public var percent: Int? {
        guard case let .sending(sent, total) = self, total > 0, sent > 0 else { return nil }
        return Int(min(sent, total) * 100 / total)
    }
}

/// What withdrawing a posted job found (when guardmail is closed while it is under way).
public enum SubmissionWithdrawal: Sendable {
    /// It had not started: nothing went out.
    case notStarted
    /// It was under way and is now stopped before the end of the message: the final dot is never
    /// sent, so the server cannot deliver it.
    case stoppedBeforeEnd
    /// The whole message had been handed over: the server may have it.
    case mayHaveArrived
    /// The server's answer had already come: record it as any other.
    case finished(FinishedSubmission)
    /// No such job (already collected).
    case unknownTicket
}

/// The jobs and their outcomes, shared by the UI thread and the worker. Every method takes the
/// one lock briefly; nothing here blocks or does I/O. The methods are grouped by the thread
/// that calls them.
public final class SubmissionMailbox: Sendable {
    struct Running {
        var ticket: SubmissionTicket
        var job: SubmissionJob
        var sent: Int64 = 0
        var total: Int64 = 0
        /// The transport was told "end of message": the final dot may be out.
        var messageEnded = false
        /// Withdrawn by the UI thread: stop at the next checkpoint, and drop the outcome.
        var withdrawn = false
    }

    struct State {
        var nextTicket = 1
        var queued: [(ticket: SubmissionTicket, job: SubmissionJob)] = []
        var running: Running?
        var finished: [FinishedSubmission] = []
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    // MARK: The UI thread

    /// Queues a job; the worker takes jobs in the order posted.
    public func post(_ job: SubmissionJob) -> SubmissionTicket {
        state.withLock { state in
            let ticket = SubmissionTicket(number: state.nextTicket)
            state.nextTicket += 1
            state.queued.append((ticket, job))
            return ticket
        }
    }

    /// Outcomes the worker left since the last call, oldest first.
    public func collect() -> [FinishedSubmission] {
        state.withLock { state in
            let finished = state.finished
            state.finished = []
            return finished
        }
    }

    /// Where the job stands; nil once it finished (its outcome waits in `collect`).
    public func progress(_ ticket: SubmissionTicket) -> SubmissionProgress? {
        state.withLock { state in
            if let running = state.running, running.ticket == ticket {
                return running.messageEnded ? .awaitingReply : .sending(sent: running.sent, total: running.total)
            }
            return state.queued.contains { $0.ticket == ticket } ? .waiting : nil
        }
    }

    /// Takes the job back, as far as that is still possible, and says what went out. Decided
    /// under the lock that the worker's `proceed(.endOfMessage)` takes too, so the answer is
    /// the truth: a job withdrawn before the end of its message never sends the final dot.
    public func withdraw(_ ticket: SubmissionTicket) -> SubmissionWithdrawal {
        state.withLock { state in
            if let index = state.queued.firstIndex(where: { $0.ticket == ticket }) {
                state.queued.remove(at: index)
                return .notStarted
            }
            if var running = state.running, running.ticket == ticket {
                running.withdrawn = true
                state.running = running
                return running.messageEnded ? .mayHaveArrived : .stoppedBeforeEnd
            }
            if let index = state.finished.firstIndex(where: { $0.ticket == ticket }) {
                return .finished(state.finished.remove(at: index))
            }
            return .unknownTicket
        }
    }

    /// No more jobs: the worker ends once it is idle.
    public func close() {
        state.withLock { $0.closed = true }
    }

    // MARK: The worker

    /// The next job, now running; nil when none is queued.
    public func next() -> (SubmissionTicket, SubmissionJob)? {
        state.withLock { state in
            guard state.running == nil, !state.queued.isEmpty else { return nil }
            let (ticket, job) = state.queued.removeFirst()
            state.running = Running(ticket: ticket, job: job)
            return (ticket, job)
        }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Bytes of the running job's message handed over so far.
    public func reportProgress(_ ticket: SubmissionTicket, sent: Int64, total: Int64) {
        state.withLock { state in
            guard var running = state.running, running.ticket == ticket else { return }
            running.sent = sent
            running.total = total
            state.running = running
        }
    }

    /// The transport's question (see `SMTPSubmitter.submit`): false once the job was withdrawn.
    /// At `.endOfMessage` the answer true is recorded with it, atomically.
    public func proceed(_ ticket: SubmissionTicket, at checkpoint: SubmissionCheckpoint) -> Bool {
        state.withLock { state in
            guard var running = state.running, running.ticket == ticket, !running.withdrawn else { return false }
            if checkpoint == .endOfMessage && !running.messageEnded {
                running.messageEnded = true
                state.running = running
            }
            return true
        }
    }

    /// The running job ended; its outcome waits for `collect` unless it was withdrawn.
    public func finish(_ ticket: SubmissionTicket, outcome: SubmissionOutcome, at: Instant) {
        state.withLock { state in
            guard let running = state.running, running.ticket == ticket else { return }
            state.running = nil
            if !running.withdrawn {
                state.finished.append(FinishedSubmission(ticket: ticket, job: running.job, outcome: outcome, at: at))
            }
        }
    }
}

/// One thread that submits the mailbox's jobs one after another, keeping a connection per
/// account open between them (as `guardmail send` does for one message).
public final class SubmissionWorker: Sendable {
    public let mailbox = SubmissionMailbox()
    /// Signalled once per posted job (and on close): the worker sleeps on it when idle.
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread.
    public init(clock: @escaping @Sendable () -> Instant) {
        let mailbox = self.mailbox
        let wake = self.wake
        DispatchQueue(label: "guardmail.submission").async {
            Self.run(mailbox: mailbox, wake: wake, clock: clock)
        }
    }

    /// Queues a job (see `SubmissionMailbox.post`).
    public func post(_ job: SubmissionJob) -> SubmissionTicket {
        let ticket = mailbox.post(job)
        wake.signal()
        return ticket
    }

    /// Lets the thread end once it is idle; a job under way is finished first.
    public func close() {
        mailbox.close()
        wake.signal()
    }

    private static func run(mailbox: SubmissionMailbox, wake: DispatchSemaphore, clock: @Sendable () -> Instant) {
        // The composer's signals (Ctrl-C from another process, SIGTERM, SIGHUP, a resize) are
        // for the UI thread, which polls for them; here they would only interrupt the dialogue.
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGPIPE] { sigaddset(&blocked, number) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        // This thread's own: libcurl handles are used by one thread only.
        var submitters: [String: SMTPSubmitter] = [:]
        while true {
            wake.wait()
            guard let (ticket, job) = mailbox.next() else {
                if mailbox.isClosed { return }
                continue
            }
            let outcome = submit(
                job, submitters: &submitters,
                progress: { sent, total in mailbox.reportProgress(ticket, sent: sent, total: total) },
                proceed: { mailbox.proceed(ticket, at: $0) })
            mailbox.finish(ticket, outcome: outcome, at: clock())
        }
    }

    /// One submission, on whichever thread calls it (the worker, or `guardmail send` inline):
    /// the account's connection from `submitters` (set up on first use: the password command
    /// runs then), the dialogue, and what came of it. A connection that failed is not reused.
    static func submit(
        _ job: SubmissionJob, submitters: inout [String: SMTPSubmitter],
        progress: ((Int64, Int64) -> Void)?, proceed: ((SubmissionCheckpoint) -> Bool)?
    ) -> SubmissionOutcome {
        let name = job.account.name
        let submitter: SMTPSubmitter
        if let existing = submitters[name] {
            submitter = existing
        } else {
            do throws(DeliveryError) {
                submitter = try connection(for: job.account)
            } catch {
                return .notStarted(error)
            }
            submitters[name] = submitter
        }
        do {
            return .submitted(try submitter.submit(job.request, progress: progress, proceed: proceed))
        } catch {
            submitters[name] = nil
            return .failed(error)
        }
    }

    /// The account's server (its password command runs here) and a libcurl handle for it.
    static func connection(for account: AccountConfig) throws(DeliveryError) -> SMTPSubmitter {
        let server = try Delivery.server(for: account)
        do {
            return try SMTPSubmitter(server: server)
        } catch {
            throw DeliveryError(.transport(error.kind, temporary: false), error.message)
        }
    }
}
