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

/// One message in the outbox as the views show it.
public struct OutboxItem: Sendable {
    public var id: String
    public var record: OutboxRecord
    public var state: SendState
    /// This process runs its hold or submission.
    public var ownedHere: Bool
    /// Another live guardmail runs it (a `send` in another terminal).
    public var ownedElsewhere: Bool
    /// The last reason given for a failure or an unknown outcome (from the journal or this run).
    public var reason: String?
    /// How far its submission on this process's submission thread is (`Submissions.background`).
    public var progress: SubmissionProgress? = nil

    /// "sends in 42 s", "failed: 421 …, retry in 30 s", "interrupted: waiting for you".
    public func describe(now: Instant) -> String {
        switch state {
        case let .holding(releaseAt, _):
            let left = Int(max(0, now.seconds(until: releaseAt)).rounded(.up))
            return ownedHere || ownedElsewhere
                ? "sends in \(left) s" + (ownedElsewhere ? " (held by another guardmail)" : "")
                : "interrupted: nothing was sent (guardmail stopped during the hold)"
        case .submitting:
            if let progress { return progress.words }
            return ownedHere || ownedElsewhere ? "sending…" : "unknown: the program stopped while sending"
        case .sent:
            return "sent"
        case let .partiallySent(refused, _):
            return "partly sent; refused: \(refused.joined(separator: ", "))" + (reason.map { " (\($0))" } ?? "")
        case let .failedTemporarily(why, _, retryAt, _):
            let left = Int(max(0, now.seconds(until: retryAt)).rounded(.up))
            return ownedHere ? "failed: \(why); retrying in \(left) s" : "failed: \(why); not retrying (interrupted)"
        case let .failedPermanently(why, _):
            return "failed: \(why)"
        case .unknown:
            return "unknown: " + (reason ?? "the server may or may not have it") + "; never resent on its own"
        case .interrupted:
            return "interrupted: nothing was sent" + (reason.map { " (\($0))" } ?? "")
        case .discarded:
            return "discarded"
        case .editing, .confirming:
            return "being edited"
        }
    }

    /// The user has to decide something (release, edit or discard) before it can move on.
    public var needsUser: Bool {
        guard !ownedElsewhere else { return false }
        switch state.kind {
        case .interrupted, .unknown, .failedPermanently, .partiallySent: return true
        case .holding, .submitting, .failedTemporarily: return !ownedHere
        default: return false
        }
    }
}

/// What happened to a message in a call: for status lines and for `send`'s output.
public struct DispatchReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case sent
        case partiallySent(refused: [String])
        case failedTemporarily(retryAt: Instant)
        case failedPermanently
        case unknown
        /// Removed by `guardmail outbox cancel` in another process.
        case cancelledElsewhere
        /// Handed to the submission thread (`Submissions.background`); a later `tick` reports
        /// the outcome.
        case sending
        /// Stopped before the end of the message (guardmail was closed while it was sent):
        /// nothing was delivered; it waits in the outbox for the user.
        case interrupted
        case undone
        case discarded
    }
    public var id: String
    public var messageID: String
    public var outcome: Outcome
    /// Per-recipient lines ("accepted: a@b", "refused: c@d: 550 …") and the reason of a failure.
    public var lines: [String]
    /// The exit status `send` maps this to.
    public var exitStatus: Int32

    public init(id: String, messageID: String, outcome: Outcome, lines: [String], exitStatus: Int32) {
        self.id = id
        self.messageID = messageID
        self.outcome = outcome
        self.lines = lines
        self.exitStatus = exitStatus
    }
}

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
    private var journalWarnings: [String] = []
    /// Until this time (monotonic seconds) writes go straight to the backlog: the journal was
    /// busy for a whole busy timeout (5 s) a moment ago, and each write should not wait that long
    /// again while a message is on its way out.
    private var journalBusyUntil = 0.0
    /// Where inline submissions go: the account's server (`SMTPSubmissions`), or a test's fake.
    let submitting: any Submitting
    /// The submission thread, for a caller that must not wait for servers (the composer); nil:
    /// submissions run inline (`guardmail send`, `guardmail outbox release`).
    let worker: SubmissionWorker?
    /// Messages whose submission is on the worker, by outbox id (see DispatcherBackground.swift).
    var inFlight: [String: SubmissionTicket] = [:]
    /// Called while a submission runs (bytes sent, total), for progress lines.
    public var progress: ((String, Int64, Int64) -> Void)?

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

    // MARK: Freezing

    /// Freezes a confirmed message: spools it (synced), moves it into the outbox with its record,
    /// state and the composer's snapshot, takes ownership, journals it, and starts the hold.
    /// Nothing is sent here; `tick` sends it when the hold ends.
    public func freeze(
        _ message: OutgoingMessage, stamp: MessageStamp, account: AccountConfig, holdSeconds: Int,
        confirmation: ConfirmationRecord, inspections: [Inspection], draft: DraftRecord?, now: Instant
    ) throws(DeliveryError) -> String {
        let id = environment.newOutboxID(now)
        // Held until the spool file is in the outbox (or removed): a start meanwhile leaves it be.
        let writing: TemporaryFilesLock
        do {
            writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
        } catch {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        }
        defer { writing.release() }
        let spooled = try Delivery.spool(message, stamp: stamp, directory: paths.spoolDirectory, sync: true)
        // What was confirmed must be what goes: a file changed since the confirmation screen
        // showed its fingerprint is not sent under it.
        for (index, inspection) in inspections.enumerated()
        where !inspection.sha256.isEmpty && spooled.attachmentSHA256.indices.contains(index)
            && spooled.attachmentSHA256[index] != inspection.sha256
        {
            FileSystem.remove(spooled.path)
            throw DeliveryError(
                .data,
                "'\(inspection.name)' changed after it was checked; check it again (SHA-256 was "
                    + "\(inspection.sha256.prefix(12))…, is now \(spooled.attachmentSHA256[index].prefix(12))…)")
        }
        let recipients = message.envelope.recipients
        let record = OutboxRecord(
            id: id, messageID: stamp.messageID, account: account.name, from: message.from.formatted,
            mailFrom: message.envelope.mailFrom,
            recipients: recipients.map(OutboxRecipient.init),
            subject: message.subject,
            // The inspections are of the same files, in the same order (what the confirmation showed);
            // the fingerprints are of the bytes in the message.
            attachments: message.attachments.enumerated().map { index, attachment in
                let inspection = inspections.indices.contains(index) ? inspections[index] : nil
                return OutboxAttachment(
                    name: attachment.fileName, size: attachment.size ?? inspection?.size ?? 0,
                    sha256: spooled.attachmentSHA256[index], contentType: attachment.contentType)
            },
            confirmation: confirmation, confirmedAt: now.seconds, holdSeconds: holdSeconds,
            messageOffset: spooled.messageOffset, messageSize: spooled.size, messageSHA256: spooled.sha256)
        var machine = SendStateMachine(state: .confirming, retryPolicy: retryPolicy)
        let actions = try! machine.handle(.freeze(recipients: recipients.map(\.address), holdSeconds: holdSeconds, now: now))
        precondition(actions.first == .writeOutbox)
        let lock: OwnerLock
        do {
            lock = try outbox.freezeClaimed(record, state: machine.state, spoolFile: spooled.path, draft: draft).lock
        } catch {
            FileSystem.remove(spooled.path)
            throw DeliveryError(.io, "\(error); nothing was sent and the draft is kept")
        }
        owned[id] = Owned(machine: machine, record: record, lock: lock)
        do {
            // The message and its hold in one transaction: one fsync, and never one without the other.
            try journal.recordMessages(
                [journalMessage(record, findings: confirmation.findings)], at: Int64(now.seconds),
                then: .held, detail: "hold \(holdSeconds) s; outbox \(id)")
        } catch {
            // The record is the condition for sending: take the message back out.
            owned[id] = nil
            lock.release()
            try? outbox.remove(id: id)
            throw DeliveryError(.io, "\(error); nothing was sent and the draft is kept")
        }
        return id
    }

    private func journalMessage(_ record: OutboxRecord, findings: [OutboxFinding]) -> JournalMessage {
        JournalMessage(
            messageID: record.messageID, account: record.account, from: record.from, subject: record.subject,
            recipients: record.recipients.map {
                JournalRecipient(address: $0.address, displayName: $0.displayName, field: RecipientField(rawValue: $0.field) ?? .to)
            },
            attachments: record.attachments.map {
                JournalAttachment(name: $0.name, size: $0.size, sha256: $0.sha256, contentType: $0.contentType)
            },
            findings: findings.map {
                JournalFinding(
                    ruleID: $0.ruleID, severity: $0.severity, message: $0.message, accepted: $0.accepted,
                    acceptedBy: $0.accepted ? Self.acceptedWhere(record.confirmation) : nil)
            })
    }

    /// Where the findings were accepted, in the journal's words (docs/journal.md, "Findings"):
    /// `confirmation screen` (the composer) or `--accept` (`guardmail send`).
    static func acceptedWhere(_ confirmation: ConfirmationRecord) -> String {
        switch confirmation.via {
        case "composer": return "confirmation screen"
        case "send": return "--accept"
        default: return confirmation.via
        }
    }

    // MARK: The journal catching up

    /// Brings the journal up to what happened: first the writes kept while it could not be
    /// written (oldest first), then, for each outbox message no live process runs, its state as
    /// a restart sees it (a hold whose process died is interrupted, a submission unknown) when
    /// the journal says otherwise — e.g. still "held" after a kill -9. Runs when the dispatcher
    /// opens (every start of `send`, `outbox`, the composer). Returns problems worth telling.
    @discardableResult
    public func reconcileJournal(now: Instant) -> [String] {
        var problems: [String] = []
        if !backlog.isEmpty {
            let replay = backlog.replay(into: journal)
            problems += replay.problems
        }
        let entries = outbox.list().entries.filter { owned[$0.record.id] == nil && !outbox.isClaimed(id: $0.record.id) }
        guard !entries.isEmpty,
            let progress = try? journal.progress(of: entries.map(\.record.messageID))
        else { return problems }
        for entry in entries {
            guard let truth = Self.journalKind(afterRestartOf: entry.state),
                let latest = progress[entry.record.messageID]?.latestEvent, latest != truth
            else { continue }
            let detail = "as the outbox has it (\(entry.record.id)): \(Self.restartDetail(entry.state))"
            journalWrite(.event(messageID: entry.record.messageID, kind: truth, at: Int64(now.seconds), detail: detail), what: truth.label)
        }
        return problems + takeJournalWarnings()
    }

    /// What the outbox says about each message in it, in the journal's words, by Message-ID
    /// (as the journal spells it): a message a live process runs is as its state says (held,
    /// submitting, failed and waiting to retry); one nobody runs is what a restart makes of it.
    /// For `guardmail journal`, to show the outbox's state where the journal has not caught up.
    public static func outboxOutcomes(paths: DataPaths) -> [String: JournalEventKind] {
        let outbox = Outbox(directory: paths.outboxDirectory)
        var out: [String: JournalEventKind] = [:]
        for entry in outbox.list().entries {
            let kind: JournalEventKind?
            if outbox.isClaimed(id: entry.record.id) {
                switch entry.state.kind {
                case .holding: kind = .held
                case .submitting: kind = .submitting
                case .failedTemporarily: kind = .failedTemporarily
                default: kind = journalKind(afterRestartOf: entry.state)
                }
            } else {
                kind = journalKind(afterRestartOf: entry.state)
            }
            if let kind { out[JournalNames.messageID(entry.record.messageID)] = kind }
        }
        return out
    }

    /// The journal's word for what a restart makes of `state` (nil: nothing to say).
    static func journalKind(afterRestartOf state: SendState) -> JournalEventKind? {
        switch state.kind {
        case .holding, .failedTemporarily, .interrupted: .interrupted
        case .submitting, .unknown: .unknown
        case .failedPermanently: .failed
        case .partiallySent: .partiallySent
        default: nil
        }
    }

    /// Problems recording to the journal since the last call (for a report's lines).
    public func takeJournalWarnings() -> [String] {
        defer { journalWarnings = [] }
        return journalWarnings
    }

    /// One journal write, in order: what waits in the backlog goes first; a write the journal
    /// does not take now (locked by another program for longer than the busy timeout, full) is
    /// kept in the backlog, durably, and made later (here, or at the next start).
    private func journalWrite(_ entry: JournalBacklogEntry, what: String) {
        if !backlog.isEmpty {
            if environment.monotonic() < journalBusyUntil {
                keepForLater(entry, what: what, because: "the journal was busy a moment ago")
                return
            }
            let replay = backlog.replay(into: journal)
            journalWarnings += replay.problems
            if let stopped = replay.stoppedBy {
                journalBusyUntil = environment.monotonic() + 30
                keepForLater(entry, what: what, because: stopped)
                return
            }
        }
        do {
            try entry.apply(to: journal)
        } catch  where error.kind == .unknownMessage || error.kind == .unknownRecipient {
            journalWarnings.append("warning: the journal could not record '\(what)': \(error)")
        } catch {
            journalBusyUntil = environment.monotonic() + 30
            keepForLater(entry, what: what, because: "\(error)")
        }
    }

    private func keepForLater(_ entry: JournalBacklogEntry, what: String, because reason: String) {
        do {
            try backlog.keep(entry, now: environment.now().seconds)
            journalWarnings.append(
                "warning: the journal could not record '\(what)' now (\(reason)); kept in '\(backlog.directory)' and recorded "
                    + "as soon as the journal can be written (at the latest when guardmail next starts)")
        } catch {
            journalWarnings.append(
                "warning: the journal could not record '\(what)' (\(reason)), and it could not be kept for later either (\(error))")
        }
    }

    // MARK: Looking

    /// Every outbox message, oldest first, with who runs it; and the entries that cannot be read
    /// (damaged: bad files, numbers out of range, recipients nobody confirmed, a message that
    /// failed its checksum), with their paths and reasons. Nothing is sent from those.
    public func items() -> (items: [OutboxItem], problems: [DamagedEntry]) {
        let (entries, problems) = outbox.list()
        var items: [OutboxItem] = []
        for entry in entries {
            let id = entry.record.id
            if let mine = owned[id] {
                items.append(
                    OutboxItem(
                        id: id, record: mine.record, state: mine.machine.state, ownedHere: true,
                        ownedElsewhere: false, reason: mine.reason, progress: submissionProgress(id)))
            } else {
                items.append(
                    OutboxItem(
                        id: id, record: entry.record, state: entry.state, ownedHere: false,
                        ownedElsewhere: outbox.isClaimed(id: id), reason: lastReason(entry.record.messageID)))
            }
        }
        return (items, problems)
    }

    /// Messages this process holds (counting down or retrying), newest last.
    public var ownedItems: [OutboxItem] {
        owned.values.sorted { $0.record.id < $1.record.id }.map {
            OutboxItem(
                id: $0.record.id, record: $0.record, state: $0.machine.state, ownedHere: true, ownedElsewhere: false,
                reason: $0.reason, progress: submissionProgress($0.record.id))
        }
    }

    private func lastReason(_ messageID: String) -> String? {
        guard let entry = try? journal.show(messageID: messageID) else { return nil }
        return entry.events.last(where: { $0.detail != nil && $0.kind != .held })?.detail
    }

    // MARK: Adopting after a restart

    /// Takes over every message no live process owns and applies `restarted` to it: a hold or a
    /// waiting retry becomes `interrupted`, a submission `unknown`. Nothing is sent. Returns the
    /// ids that now wait for the user.
    @discardableResult
    public func adoptAbandoned(now: Instant) -> [String] {
        var waiting: [String] = []
        for entry in outbox.list().entries where owned[entry.record.id] == nil {
            let id = entry.record.id
            guard let lock = try? outbox.claim(id: id) else { continue }
            var machine = SendStateMachine(state: entry.state, retryPolicy: retryPolicy)
            guard machine.isLegal(.restarted) else {
                lock.release()
                continue
            }
            let actions = try! machine.handle(.restarted)
            owned[id] = Owned(machine: machine, record: entry.record, lock: lock, reason: lastReason(entry.record.messageID))
            perform(actions, id: id, now: now, detail: Self.restartDetail(entry.state))
            if case .discarded = machine.state {
                removeEntry(id)
                continue
            }
            waiting.append(id)
        }
        return waiting
    }

    // MARK: The user's actions

    public enum UndoResult: Sendable {
        /// Taken back before the release time and out of the outbox.
        case restored
        /// Too late: the hold had ended, and the message went (see the report).
        case tooLate(DispatchReport?)
        /// The snapshot could not be kept (e.g. the disk is full): the message stays held.
        case notRestored(String)
    }

    /// `u`: takes a held message back. Wins strictly before the release time. `restore` gets the
    /// composer snapshot and must keep it (save it as a draft) before the entry is removed, so a
    /// crash in between leaves a copy rather than none; if it throws, the message stays held.
    public func undo(_ id: String, now: Instant, restore: (DraftRecord?) throws -> Void) -> UndoResult {
        guard let entry = owned[id], entry.machine.isLegal(.undo(now: now)) else { return .tooLate(nil) }
        // Asked of a copy: whether the undo wins (strictly before the release time).
        var machine = entry.machine
        _ = try! machine.handle(.undo(now: now))
        if machine.state == .editing {
            do {
                try restore(try? outbox.draft(id: id))
            } catch {
                return .notRestored("\(error)")
            }
            owned[id]?.machine = machine
            journalEvent(id, .undone, now: now, detail: nil)
            removeEntry(id)
            return .restored
        }
        // Too late: the hold is over, and the undo does what that tick would have done, under
        // the state lock as the tick does, so that a cancel from another terminal made first wins.
        do {
            let done = try transitionLocked(id, now: now) { _ in (.undo(now: now), nil) }
            if let refused = done.report { return .tooLate(refused) }
            return .tooLate(perform(done.rest, id: id, now: now, detail: done.detail))
        } catch {
            guard error.kind == .notFound else {
                return .tooLate(
                    DispatchReport(
                        id: id, messageID: entry.record.messageID, outcome: .failedPermanently,
                        lines: ["not sent: \(error)"], exitStatus: 74))
            }
            return .tooLate(forgetCancelled(id, messageID: entry.record.messageID))
        }
    }

    /// The explicit "send it now" (early release, retry, retry of the refused, release of an
    /// interrupted or unknown message). Returns what happened.
    @discardableResult
    public func release(_ id: String, now: Instant) -> DispatchReport? {
        guard let entry = owned[id], entry.machine.isLegal(.release) else { return nil }
        let rest: [SendAction]
        do {
            let done = try transitionLocked(id, now: now) { _ in (.release, "released by the user") }
            if let refused = done.report { return refused }
            rest = done.rest
        } catch {
            guard error.kind == .notFound else {
                return DispatchReport(
                    id: id, messageID: entry.record.messageID, outcome: .failedPermanently,
                    lines: ["not sent: \(error)"], exitStatus: 74)
            }
            return forgetCancelled(id, messageID: entry.record.messageID)
        }
        return perform(rest, id: id, now: now, detail: "released by the user")
    }

    /// Another process removed the entry (`guardmail outbox cancel`): this one lets it go.
    private func forgetCancelled(_ id: String, messageID: String) -> DispatchReport {
        owned[id]?.lock.release()
        owned[id] = nil
        return DispatchReport(
            id: id, messageID: messageID, outcome: .cancelledElsewhere,
            lines: ["cancelled with guardmail outbox cancel; nothing was sent"], exitStatus: 0)
    }

    /// Applies the event `choose` picks (from the entry as it is on disk) under the entry's state
    /// lock, and performs its actions up to `markSubmittingDurably` there: a cancel from another
    /// process either came first (the entry is gone: `.notFound`) or finds it submitting.
    /// Returns the actions still to perform (the submission) and the event's journal detail.
    private func transitionLocked(
        _ id: String, now: Instant, choose: (OutboxEntry) -> (SendEvent, String?)
    ) throws(OutboxError) -> (rest: [SendAction], detail: String?, report: DispatchReport?) {
        try outbox.withStateLock(id: id) { (disk: OutboxEntry) throws(OutboxError) -> (rest: [SendAction], detail: String?, report: DispatchReport?) in
            guard var machine = owned[id]?.machine else { return ([], nil, nil) }
            let (event, detail) = choose(disk)
            let actions = try! machine.handle(event)
            owned[id]?.machine = machine
            let split = actions.firstIndex(of: .markSubmittingDurably).map { $0 + 1 } ?? 0
            if let refused = perform(Array(actions[..<split]), id: id, now: now, detail: detail) {
                // "submitting" could not be recorded: nothing more is done (fail closed).
                return ([], detail, refused)
            }
            return (Array(actions[split...]), detail, nil)
        }
    }

    /// Takes an interrupted or failed message back into the composer; `restore` keeps the
    /// snapshot first, as for `undo`.
    public func edit(_ id: String, now: Instant, restore: (DraftRecord?) throws -> Void) -> DispatchRefusal? {
        guard let entry = owned[id] else { return DispatchRefusal("\(id) is not in this outbox") }
        guard entry.machine.isLegal(.edit) else {
            return DispatchRefusal("\(id) cannot be edited while it is \(entry.machine.state.kind.rawValue)")
        }
        do {
            try restore(try? outbox.draft(id: id))
        } catch {
            return DispatchRefusal("the message could not be reopened (\(error)); it stays in the outbox")
        }
        _ = try! owned[id]!.machine.handle(.edit)
        journalEvent(id, .edited, now: now, detail: nil)
        removeEntry(id)
        return nil
    }

    /// Drops a message this process owns from the outbox; nothing more is sent.
    @discardableResult
    public func discard(_ id: String, now: Instant) -> Bool {
        guard var entry = owned[id], entry.machine.isLegal(.discard) else { return false }
        let actions = try! entry.machine.handle(.discard)
        owned[id] = entry
        journalEvent(id, .discarded, now: now, detail: nil)
        perform(actions, id: id, now: now, detail: nil)
        return true
    }

    // MARK: Acting on a message another process owns

    public enum RemoteResult: Sendable, Equatable {
        case done
        case notFound
        /// It is being submitted (or was already): too late to cancel.
        case tooLate(String)
        /// Its state does not allow it (e.g. a finished message).
        case notApplicable(String)
        /// Its files cannot be read as an outbox entry: nothing is sent from it; see `discardDamaged`.
        case damaged(DamagedEntry)
        /// The outbox could not be read or changed (permissions, read-only, I/O error).
        case failed(String)
    }

    /// `guardmail outbox cancel ID`: removes a held message, whoever runs its countdown (and a
    /// message that waits for the user). It is the machine's `discard`, applied to the state on
    /// disk under the state lock, so it cannot race the owner's start of submission: where
    /// `discard` is not legal (submitting, finished) nothing is removed.
    public func cancel(_ id: String, now: Instant) -> RemoteResult {
        if let mine = owned[id] {
            var machine = mine.machine
            guard machine.isLegal(.discard) else { return .notApplicable("it is \(mine.machine.state.kind.rawValue)") }
            let actions = try! machine.handle(.discard)
            owned[id]?.machine = machine
            let (kind, detail): (JournalEventKind, String?) = mine.machine.state.kind == .holding ? (.undone, "cancelled") : (.discarded, nil)
            journalEvent(id, kind, now: now, detail: detail)
            perform(actions, id: id, now: now, detail: detail)
            return .done
        }
        do {
            return try outbox.withStateLock(id: id) { (entry: OutboxEntry) throws(OutboxError) -> RemoteResult in
                var machine = SendStateMachine(state: entry.state, retryPolicy: retryPolicy)
                guard machine.isLegal(.discard) else {
                    return entry.state.kind == .submitting
                        ? .tooLate("it is being submitted to the server")
                        : .notApplicable("it is \(entry.state.kind.rawValue)")
                }
                let actions = try! machine.handle(.discard)
                let kind: JournalEventKind = entry.state.kind == .holding ? .undone : .discarded
                journalWrite(
                    .event(
                        messageID: entry.record.messageID, kind: kind, at: Int64(now.seconds),
                        detail: "cancelled with guardmail outbox cancel"), what: kind.label)
                // Not owned here: its actions (removeFromOutbox) are carried out on the files.
                for action in actions where action == .removeFromOutbox { try outbox.remove(id: id) }
                return .done
            }
        } catch {
            return remoteFailure(id, error)
        }
    }

    /// What a failed read or lock of an entry means for a request about it.
    private func remoteFailure(_ id: String, _ error: OutboxError) -> RemoteResult {
        switch error.kind {
        case .notFound: return .notFound
        case .corrupt: return .damaged(DamagedEntry(id: id, path: outbox.entryDirectory(id: id), kind: .corrupt, reason: error.message))
        case .io, .diskFull: return .failed(error.message)
        }
    }

    /// `guardmail outbox cancel --damaged ID`: removes an entry that cannot be read (nothing is
    /// ever sent from it). Refused for an entry that reads fine (cancel it the ordinary way) and
    /// for one a live process holds.
    public func discardDamaged(_ id: String, now: Instant) -> RemoteResult {
        guard owned[id] == nil, !outbox.isClaimed(id: id) else { return .tooLate("another guardmail is running it") }
        do {
            _ = try outbox.load(id: id)
            return .notApplicable("it is not damaged; `guardmail outbox cancel \(id)` cancels it")
        } catch {
            guard error.kind == .corrupt else { return remoteFailure(id, error) }
        }
        do {
            try outbox.remove(id: id)
            return .done
        } catch {
            return remoteFailure(id, error)
        }
    }

    /// `guardmail outbox release ID` for a message another live process counts down: asks it to
    /// send now (it sees the request at its next tick).
    public func requestRelease(_ id: String) -> RemoteResult {
        do {
            return try outbox.withStateLock(id: id) { (entry: OutboxEntry) throws(OutboxError) -> RemoteResult in
                guard entry.state.kind == .holding || entry.state.kind == .failedTemporarily else {
                    return .notApplicable("it is \(entry.state.kind.rawValue)")
                }
                try outbox.write(id: id, state: entry.state, releaseRequested: true)
                return .done
            }
        } catch {
            return remoteFailure(id, error)
        }
    }

    /// Takes over one message nobody runs (for `guardmail outbox release|cancel` from a shell).
    /// False when another live process holds it; throws when it cannot be read (`.notFound`,
    /// `.corrupt` for a damaged entry) or claimed (`.io`: e.g. a read-only data folder).
    public func adopt(_ id: String, now: Instant) throws(OutboxError) -> Bool {
        if owned[id] != nil { return true }
        let entry = try outbox.load(id: id)
        guard let lock = try outbox.claim(id: id) else { return false }
        var machine = SendStateMachine(state: entry.state, retryPolicy: retryPolicy)
        var actions: [SendAction] = []
        if machine.isLegal(.restarted) { actions = try! machine.handle(.restarted) }
        owned[id] = Owned(machine: machine, record: entry.record, lock: lock, reason: lastReason(entry.record.messageID))
        perform(actions, id: id, now: now, detail: Self.restartDetail(entry.state))
        return true
    }

    /// What a restart found, in words, for the journal and the outbox view.
    static func restartDetail(_ state: SendState) -> String {
        switch state {
        case .holding: return "guardmail stopped during the hold"
        case .submitting: return "guardmail stopped while sending; the server may have it"
        case .failedTemporarily(let why, _, _, _): return "\(why); guardmail stopped before the retry"
        default: return "found after a restart"
        }
    }

    /// This process is about to end: what it would have retried on its own now waits for the
    /// user (`restarted`: a waiting retry becomes interrupted), so the journal does not promise
    /// a retry nobody will make. Holds are left as they are: a restart finds them interrupted.
    public func relinquish(now: Instant) {
        for id in owned.keys.sorted() where owned[id]?.machine.state.kind == .failedTemporarily {
            var machine = owned[id]!.machine
            if case .failedTemporarily(let why, _, _, _) = machine.state {
                owned[id]?.reason = "\(why); not retried: the command ended"
            }
            let actions = try! machine.handle(.restarted)
            owned[id]?.machine = machine
            perform(actions, id: id, now: now, detail: owned[id]?.reason)
        }
        for (_, entry) in owned { entry.lock.release() }
        owned = [:]
    }

    // MARK: The clock

    /// Moves every owned message on: ends holds whose time has come, runs due retries, and
    /// notices what other processes did (cancelled it, asked to release it). Returns a report for
    /// each message that finished an attempt or left the outbox; with a submission thread, also
    /// the attempts it finished since the last tick, and `.sending` for each one handed to it now.
    public func tick(now: Instant) -> [DispatchReport] {
        var reports = collectSubmissions()
        for id in owned.keys.sorted() {
            guard let entry = owned[id] else { continue }
            let kind = entry.machine.state.kind
            guard kind == .holding || kind == .failedTemporarily else { continue }
            // What other processes did (a release asked for) is read under the state lock, and the
            // decision to submit is made and written under it, so a cancel cannot slip between.
            let rest: [SendAction]
            var detail: String?
            do {
                let done = try transitionLocked(id, now: now) { disk in
                    disk.releaseRequested ? (.release, "released from another terminal") : (.tick(now: now), nil)
                }
                if let refused = done.report {
                    reports.append(refused)
                    continue
                }
                (rest, detail) = (done.rest, done.detail)
            } catch {
                switch error.kind {
                case .notFound:
                    reports.append(forgetCancelled(id, messageID: entry.record.messageID))
                case .corrupt:
                    // Its files were changed during the hold: never sent, and said so once
                    // (not a countdown standing at 0 s for ever).
                    if let report = refuseDamaged(id, Problem(damaged: true, reason: "its files changed during the hold: \(error)")) {
                        reports.append(report)
                    }
                case .io, .diskFull:
                    break // read again at the next tick
                }
                continue
            }
            if let report = perform(rest, id: id, now: now, detail: detail) {
                reports.append(report)
            }
        }
        return reports
    }

    // MARK: Performing actions

    /// Performs the actions of one transition; a `submit` feeds the server's answer back into the
    /// machine and performs what follows (or, with a submission thread, hands the attempt to it).
    /// Returns a report when an attempt ended (or `.sending` when it was handed over).
    @discardableResult
    func perform(_ actions: [SendAction], id: String, now: Instant, detail: String?) -> DispatchReport? {
        var report: DispatchReport?
        for action in actions {
            switch action {
            case .writeOutbox:
                break // `freeze` writes the entry (it has the spool file, the record and the draft)
            case .restoreComposer:
                break // `undo` and `edit` hand the draft to their caller before the entry is removed
            case .removeFromOutbox:
                if owned[id]?.machine.state.kind == .sent { keepSentCopy(id) } else { removeEntry(id) }
            case .markSubmittingDurably:
                if let refused = markSubmitting(id, now: now, detail: detail) {
                    return refused // nothing is submitted: the actions after this one are not performed
                }
            case .submit(let recipients):
                report = submit(id, to: recipients, now: now)
            case .recordState:
                writeState(id)
                recordOutcome(id, now: now, detail: detail)
            }
        }
        return report
    }

    /// `markSubmittingDurably`: the outbox's state file says "submitting" (synced) before a byte
    /// leaves, so that a crash during the submission is found as "unknown", never as "nothing
    /// was sent". When that write fails nothing is submitted: the message becomes interrupted
    /// with the reason, and the report says so (exit 74). The journal's "submitting" follows
    /// (kept for later when the journal cannot take it now: the outbox is the record that counts).
    private func markSubmitting(_ id: String, now: Instant, detail: String?) -> DispatchReport? {
        guard let entry = owned[id] else { return nil }
        do {
            try outbox.write(id: id, state: entry.machine.state)
        } catch {
            let reason = "the outbox could not record that it is being sent, so nothing was sent: \(error)"
            var machine = entry.machine
            let actions = try! machine.handle(.markFailed(reason: reason))
            owned[id]?.machine = machine
            perform(actions, id: id, now: now, detail: reason) // records "interrupted" where it still can
            owned[id]?.reason = reason // the cause, not a later failure to write the new state
            var lines = [
                "not sent: \(reason)",
                "kept in the outbox as \(id): `guardmail outbox release \(id)` sends it once this is fixed"
            ]
            lines += takeJournalWarnings()
            return DispatchReport(id: id, messageID: entry.record.messageID, outcome: .failedPermanently, lines: lines, exitStatus: 74)
        }
        journalEvent(id, .submitting, now: now, detail: detail)
        return nil
    }

    private func writeState(_ id: String) {
        guard let entry = owned[id] else { return }
        do {
            try outbox.write(id: id, state: entry.machine.state)
        } catch {
            owned[id]?.reason = "the outbox could not be updated: \(error)"
        }
    }

    private func recordOutcome(_ id: String, now: Instant, detail: String?) {
        guard let entry = owned[id] else { return }
        let reason = entry.reason
        switch entry.machine.state {
        case .sent: journalEvent(id, .sent, now: now, detail: nil)
        case .partiallySent(let refused, _): journalEvent(id, .partiallySent, now: now, detail: "refused: " + refused.joined(separator: ", "))
        case .failedTemporarily(let why, let attempt, let retryAt, _):
            journalEvent(id, .failedTemporarily, now: now, detail: "attempt \(attempt): \(why); retry at \(Int64(retryAt.seconds))")
        case .failedPermanently(let why, _): journalEvent(id, .failed, now: now, detail: why)
        case .unknown:
            if !journalAlreadySays(.unknown, id) { journalEvent(id, .unknown, now: now, detail: reason ?? detail) }
        case .interrupted:
            if !journalAlreadySays(.interrupted, id) { journalEvent(id, .interrupted, now: now, detail: detail) }
        default: break
        }
    }

    private func journalEvent(_ id: String, _ kind: JournalEventKind, now: Instant, detail: String?) {
        guard let record = owned[id]?.record ?? (try? outbox.load(id: id))?.record else { return }
        journalWrite(.event(messageID: record.messageID, kind: kind, at: Int64(now.seconds), detail: detail), what: kind.label)
    }

    /// The journal's latest event for the message is already `kind` (recorded when the journal
    /// caught up with the outbox at the start): a restart does not record it twice.
    private func journalAlreadySays(_ kind: JournalEventKind, _ id: String) -> Bool {
        guard backlog.isEmpty, let messageID = owned[id]?.record.messageID,
            let latest = (try? journal.progress(of: [messageID]))?[messageID]?.latestEvent
        else { return false }
        return latest == kind
    }

    /// The message went to everyone: its file becomes the sent copy (unless an earlier partial
    /// send already made one), and the entry leaves the outbox.
    private func keepSentCopy(_ id: String) {
        let folder = SentFolder(directory: paths.sentDirectory)
        if FileSystem.exists(folder.path(named: id)) {
            removeEntry(id)
            return
        }
        do {
            try outbox.moveToSent(id: id, folder: folder)
        } catch {
            owned[id]?.reason = "sent, but the sent copy could not be kept: \(error)"
            removeEntry(id)
        }
        owned[id]?.lock.release()
        owned[id] = nil
    }

    private func removeEntry(_ id: String) {
        try? outbox.remove(id: id)
        owned[id]?.lock.release()
        owned[id] = nil
    }

    /// One attempt: hands the frozen bytes to the server for `recipients` — here, or on the
    /// submission thread when there is one (then the answer comes back through `tick`) — and
    /// feeds the answer back into the machine.
    private func submit(_ id: String, to recipients: [String], now: Instant) -> DispatchReport? {
        guard let entry = owned[id] else { return nil }
        let record = entry.record
        if let problem = unconfirmed(id, record: record, recipients: recipients) {
            return refuseDamaged(id, problem)
        }
        let account: AccountConfig
        do throws(DeliveryError) {
            account = try accounts(record.account)
        } catch {
            return recordAttempt(id, to: recipients, outcome: .notStarted(error), at: environment.now())
        }
        let job = SubmissionJob(
            id: id, account: account,
            request: SubmissionRequest(
                mailFrom: record.mailFrom, recipients: recipients, messagePath: outbox.messagePath(id: id),
                messageOffset: record.messageOffset, messageSize: record.messageSize))
        if worker != nil { return post(job) }
        let outcome = submitting.submit(
            job, progress: { [weak self] sent, total in self?.progress?(id, sent, total) }, proceed: nil)
        return recordAttempt(id, to: recipients, outcome: outcome, at: environment.now())
    }

    /// Feeds what came of an attempt into the machine and performs what follows: the journal's
    /// per-recipient results, the state, the sent copy. `at` is when the answer came.
    func recordAttempt(_ id: String, to recipients: [String], outcome: SubmissionOutcome, at: Instant) -> DispatchReport? {
        guard let entry = owned[id] else { return nil }
        let record = entry.record
        // What the outcome means is decided once, for send, the composer and bulk alike.
        let verdict = TransactionVerdict.judge(TransactionOutcome(outcome, envelope: recipients), at: at)
        let event = verdict.event
        var exitStatus = verdict.exitStatus
        var lines: [String] = []
        var results: [(address: String, reply: String, accepted: Bool)] = []
        if case .submitted = outcome {
            for recipient in verdict.recipients {
                let reply = recipient.rcptReply?.description ?? "not tried"
                let accepted = recipient.fate == .accepted
                results.append((recipient.address, reply, accepted))
                lines.append(accepted ? "accepted: \(recipient.address)" : "refused: \(recipient.address): \(reply)")
            }
        } else {
            // Only refusals: an accepted RCPT means nothing when the message itself did not go.
            for recipient in verdict.recipients where recipient.refusedAtRCPT {
                results.append((recipient.address, recipient.rcptReply!.description, false))
            }
        }
        if let reason = verdict.reason {
            owned[id]?.reason = reason
            lines.append(reason)
        }
        if !results.isEmpty {
            journalWrite(
                .results(
                    messageID: record.messageID,
                    results: results.map { JournalResultInput(address: $0.address, reply: $0.reply, accepted: $0.accepted) },
                    at: Int64(at.seconds)),
                what: "the recipients' results")
        }
        guard var machine = owned[id]?.machine else { return nil }
        let actions: [SendAction]
        do {
            actions = try machine.handle(event)
        } catch {
            // The server named a recipient we did not send to: treat the attempt as failed.
            let failure = SendEvent.failure(temporary: false, reason: error.description, now: at)
            actions = try! machine.handle(failure)
        }
        owned[id]?.machine = machine
        let state = machine.state
        if case .partiallySent = state { keepPartialCopy(id) }
        perform(actions, id: id, now: at, detail: owned[id]?.reason)
        let outcome: DispatchReport.Outcome
        switch state {
        case .sent:
            outcome = .sent
            lines.append("sent \(record.messageID) to \(recipients.count) recipient\(recipients.count == 1 ? "" : "s")")
        case .partiallySent(let refused, _):
            outcome = .partiallySent(refused: refused)
            lines.append(
                "sent \(record.messageID) to \(recipients.count - refused.count) of \(recipients.count) recipients; "
                    + "\(refused.count) refused — kept in the outbox as \(id) to retry them")
        case .failedTemporarily(_, _, let retryAt, _):
            outcome = .failedTemporarily(retryAt: retryAt)
        case .failedPermanently:
            outcome = .failedPermanently
            if exitStatus == 0 { exitStatus = 69 }
        case .unknown:
            outcome = .unknown
        default:
            outcome = .failedPermanently
        }
        lines += takeJournalWarnings()
        return DispatchReport(id: id, messageID: record.messageID, outcome: outcome, lines: lines, exitStatus: exitStatus)
    }

    /// Why the frozen message may not go to `recipients`, or nil when it is what was confirmed:
    /// every recipient is in the record, and message.eml's transmitted bytes have the SHA-256 the
    /// record took while they were written. One whole read of the message before each attempt
    /// (about 0.1 s for 100 MiB here); nothing reaches the server unless it matches.
    private func unconfirmed(_ id: String, record: OutboxRecord, recipients: [String]) -> Problem? {
        let confirmed = Set(record.recipients.map(\.address))
        if let stranger = recipients.first(where: { !confirmed.contains($0) }) {
            return Problem(damaged: true, reason: "'\(stranger)' is not among the recipients confirmed in its record.toml")
        }
        guard let expected = record.messageSHA256 else {
            return Problem(
                damaged: false,
                reason:
                    "it was frozen by an older guardmail, without a checksum of its message, so what would go out cannot be "
                    + "checked against what was confirmed; e (composer) takes it back to send it again, or discard it")
        }
        let path = outbox.messagePath(id: id)
        let actual: String?
        do {
            actual = try SHA256Hasher.hex(ofFile: path, from: record.messageOffset, count: record.messageSize)
        } catch {
            return Problem(damaged: false, reason: "its message cannot be read to check it: \(error)")
        }
        guard let actual else {
            return Problem(damaged: true, reason: "'\(path)' is shorter than its record.toml says")
        }
        guard actual == expected else {
            return Problem(
                damaged: true,
                reason: "'\(path)' changed after it was confirmed (SHA-256 \(actual.prefix(12))…, "
                    + "record.toml says \(expected.prefix(12))…)")
        }
        return nil
    }

    struct Problem {
        /// The entry's files disagree with what was confirmed: it is marked damaged.
        var damaged: Bool
        var reason: String
    }

    /// Nothing was sent: the attempt ends as a permanent failure with the reason (state and
    /// journal), and a damaged entry is marked so and let go (from then on it is listed as damaged).
    private func refuseDamaged(_ id: String, _ problem: Problem) -> DispatchReport? {
        guard var machine = owned[id]?.machine, let record = owned[id]?.record else { return nil }
        let reason = "not sent: " + problem.reason
        owned[id]?.reason = reason
        let failure = SendEvent.failure(temporary: false, reason: reason, now: environment.now())
        if machine.isLegal(failure) {
            let actions = (try? machine.handle(failure)) ?? []
            owned[id]?.machine = machine
            perform(actions, id: id, now: environment.now(), detail: reason)
        } else {
            // Found while held, not while submitting: the machine has no failure to record.
            journalEvent(id, .failed, now: environment.now(), detail: reason)
        }
        var lines = [reason]
        if problem.damaged {
            do {
                try outbox.markDamaged(id: id, reason: problem.reason)
            } catch {
                lines.append("warning: the entry could not be marked damaged: \(error)")
            }
            owned[id]?.lock.release()
            owned[id] = nil
        }
        return DispatchReport(id: id, messageID: record.messageID, outcome: .failedPermanently, lines: lines, exitStatus: 65)
    }

    /// Some recipients have the message: the sender's copy goes to the sent folder now (copied;
    /// the outbox keeps its file to retry the refused).
    private func keepPartialCopy(_ id: String) {
        let folder = SentFolder(directory: paths.sentDirectory)
        guard !FileSystem.exists(folder.path(named: id)) else { return }
        let temporary = "\(paths.spoolDirectory)/\(id).partial"
        do {
            let writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
            defer { writing.release() }
            try FileSystem.copy(outbox.messagePath(id: id), to: temporary)
            try folder.store(temporary, name: id)
        } catch {
            FileSystem.remove(temporary)
            owned[id]?.reason = "partly sent, but the sent copy could not be kept: \(error)"
        }
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
