// DispatcherJournal.swift — the send journal kept in step with the outbox: each event written in
// order (or kept in the backlog when the journal cannot take it now), the state recorded after
// an outcome (`recordState`), and the journal caught up with what the outbox says at each start.

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

extension Dispatcher {
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

    /// How many messages the journal holds (0 when it cannot be read): the confirmation screen's
    /// `variant`, so that its challenges change from one message to the next.
    public func journalMessageCount() -> Int { (try? journal.messageCount()) ?? 0 }

    /// Problems recording to the journal since the last call (for a report's lines).
    public func takeJournalWarnings() -> [String] {
        defer { journalWarnings = [] }
        return journalWarnings
    }

    /// One journal write, in order: what waits in the backlog goes first; a write the journal
    /// does not take now (locked by another program for longer than the busy timeout, full) is
    /// kept in the backlog, durably, and made later (here, or at the next start).
    func journalWrite(_ entry: JournalBacklogEntry, what: String) {
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

    func keepForLater(_ entry: JournalBacklogEntry, what: String, because reason: String) {
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

    func journalEvent(_ id: String, _ kind: JournalEventKind, now: Instant, detail: String?) {
        guard let record = owned[id]?.record ?? (try? outbox.load(id: id))?.record else { return }
        journalWrite(.event(messageID: record.messageID, kind: kind, at: Int64(now.seconds), detail: detail), what: kind.label)
        syslogOutcome(record, kind, now: now)
    }

    /// The journal's latest event for the message is already `kind` (recorded when the journal
    /// caught up with the outbox at the start): a restart does not record it twice.
    func journalAlreadySays(_ kind: JournalEventKind, _ id: String) -> Bool {
        guard backlog.isEmpty, let messageID = owned[id]?.record.messageID,
            let latest = (try? journal.progress(of: [messageID]))?[messageID]?.latestEvent
        else { return false }
        return latest == kind
    }

    func recordOutcome(_ id: String, now: Instant, detail: String?) {
        guard let entry = owned[id] else { return }
        let reason = entry.reason
        switch entry.machine.state {
        case .holding(let releaseAt, _):
            // A parked message confirmed (`outbox confirm`): its hold starts now.
            journalEvent(id, .held, now: now, detail: "hold \(Int64(releaseAt.seconds - now.seconds)) s; outbox \(id)")
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

    func lastReason(_ messageID: String) -> String? {
        guard let entry = try? journal.show(messageID: messageID) else { return nil }
        return entry.events.last(where: { $0.detail != nil && $0.kind != .held })?.detail
    }
}
