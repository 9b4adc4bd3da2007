// Dispatcher.swift — frozen messages on their way out: the outbox, the hold, submission, the journal.
//
// The pure `SendStateMachine` decides; this class performs its actions against the real world:
// the outbox folder (the durable copy of every confirmed message), the send journal, the SMTP
// server and the sent folder. The composer and `guardmail send` / `guardmail outbox` drive it
// the same way: `freeze` after the confirmation, then `tick` from their loop; `undo`, `release`,
// `edit` and `discard` for the user's keys. The composer's dispatcher submits on a thread of
// its own (`Submissions.background`, DispatcherBackground.swift); the class itself is only ever
// used from one thread.
//
// Ownership: the process that runs a message's hold or submission holds its owner lock (see
// `Outbox.claim`). The kernel drops the lock when that process dies, which is how a later start
// tells a message somebody is counting down (leave it alone) from one whose process died
// (interrupted: ask the user). Another process acts on a message it does not own only through
// the outbox files, under the entry's state lock: `cancel` removes it, `requestRelease` asks
// the owner to send it now.
//
// The class is split by role, one extension per file:
//   DispatcherFreeze.swift         freeze: spool, check, writeOutbox, the journal's record, the hold
//   DispatcherTick.swift           tick: holds that end, retries due, releases asked from elsewhere
//   DispatcherUserActions.swift    undo, release, edit, discard (the user's keys)
//   DispatcherOtherProcesses.swift cancel, cancel --damaged, release asked of another process
//   DispatcherPerform.swift        the interpreter: each SendAction carried out
//   DispatcherSubmit.swift         one attempt: the checks against record, journal and checksum, then the server
//   DispatcherRecord.swift         what came of an attempt: judged, journalled, fed to the machine
//   DispatcherJournal.swift        the journal in step with the outbox (writes, backlog, catching up)
//   DispatcherRecovery.swift       adopting messages whose process died; relinquish at the end
//   DispatcherBackground.swift     the submission thread's side (post, collect, withdraw)
//   OutboxItem.swift               the views' rows (items, ownedItems)
//   DispatchReport.swift           how a dispatch ended → outcome, exit status, words (pure)

#if canImport(Glibc)
    import Glibc
#endif
import Config
import Inspect
import Journal
import MailCore
import Outbox
import Policy
import Store
import Transport
import Workflow

/// Why the dispatcher would not do what was asked, as a sentence.
public struct DispatchRefusal: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public final class Dispatcher {
    public let paths: DataPaths
    /// The clocks and the ID source every decision here reads (never the system's directly).
    public let environment: Environment
    public let outbox: Outbox
    let journal: SendJournal
    let accounts: (String) throws(DeliveryError) -> AccountConfig
    let retryPolicy: RetryPolicy

    struct Owned {
        var machine: SendStateMachine
        var record: OutboxRecord
        var lock: OwnerLock
        var reason: String?
    }
    var owned: [String: Owned] = [:]
    /// Journal writes that could not be made (the journal locked or full), kept to be made later.
    let backlog: JournalBacklog
    /// Problems with the journal since the last report, for the next report's lines.
    var journalWarnings: [String] = []
    /// Until this time (monotonic seconds) writes go straight to the backlog: the journal was
    /// busy for a whole busy timeout (5 s) a moment ago, and each write should not wait that long
    /// again while a message is on its way out.
    var journalBusyUntil = 0.0
    /// Where inline submissions go: the account's server (`SMTPSubmissions`), or a test's fake.
    let submitting: any Submitting
    /// The submission thread, for a caller that must not wait for servers (the composer); nil:
    /// submissions run inline (`guardmail send`, `guardmail outbox release`).
    let worker: SubmissionWorker?
    /// Messages whose submission is on the worker, by outbox id (see DispatcherBackground.swift).
    var inFlight: [String: SubmissionTicket] = [:]
    /// Called while a submission runs (bytes sent, total), for progress lines.
    public var progress: ((String, Int64, Int64) -> Void)?
    /// `[journal] syslog = true`: where each send outcome is also written (DispatcherSyslog.swift).
    public var syslog: SyslogSocket?

    /// Where submissions run.
    public enum Submissions: Sendable {
        /// In the caller's thread: `tick`, `release` and `undo` return when the server answered.
        case inline
        /// On a thread of their own: those calls return `.sending` at once, and the outcome is
        /// reported by a later `tick` (see DispatcherBackground.swift).
        case background
    }

    /// Opens the outbox and the journal in the data directory. The journal is required: a
    /// message nobody can account for later is not sent.
    public convenience init(
        paths: DataPaths, retryPolicy: RetryPolicy = .standard, submissions: Submissions = .inline,
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) throws(DeliveryError) {
        try self.init(environment: .system(paths: paths), retryPolicy: retryPolicy, submissions: submissions, accounts: accounts)
    }

    /// The same, with the clocks and the ID source of `environment` (and its paths). Inline
    /// submissions go to `submitting` (default: the accounts' servers through libcurl).
    public init(
        environment: Environment, retryPolicy: RetryPolicy = .standard, submissions: Submissions = .inline,
        submitting: any Submitting = SMTPSubmissions(),
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) throws(DeliveryError) {
        self.environment = environment
        self.submitting = submitting
        let paths = environment.paths
        self.paths = paths
        worker = submissions == .background ? SubmissionWorker(clock: environment.now) : nil
        self.accounts = accounts
        self.retryPolicy = retryPolicy
        outbox = Outbox(directory: paths.outboxDirectory)
        do {
            journal = try SendJournal.open(paths: paths)
        } catch {
            throw DeliveryError(.io, "\(error); nothing can be sent without the send journal")
        }
        backlog = JournalBacklog(paths: paths)
        reconcileJournal(now: environment.now())
        // Spool files and `.tmp-` folders of freezes that were killed (`outbox.list()` also does the latter).
        TemporaryFiles.removeAbandoned(in: paths.spoolDirectory, .everyFile)
        TemporaryFiles.removeAbandoned(in: paths.outboxDirectory, .freezingFolders)
    }

    deinit {
        worker?.close()
        for (_, entry) in owned { entry.lock.release() }
    }

    public static func wallClock() -> Instant {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Instant(seconds: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
    }

    /// Runs the account's password command and sets up its connection now, so that a
    /// configuration mistake shows before a message is frozen rather than when its hold ends.
    public func prepare(account: AccountConfig) throws(DeliveryError) {
        try submitting.prepare(try accounts(account.name))
    }
}

extension DataPaths {
    /// `$XDG_DATA_HOME/guardmail/outbox`: one folder per frozen message.
    public var outboxDirectory: String { dataDirectory + "/outbox" }
}
