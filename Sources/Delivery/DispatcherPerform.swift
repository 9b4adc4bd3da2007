// DispatcherPerform.swift — the interpreter: every action the send state machine emits, carried
// out against the outbox, the journal and the sent folder.

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
    /// Performs the leading actions of a transition that may fail and so decide whether it
    /// happens at all: `writeOutbox` (with what `freeze` spooled) and `restoreComposer` (with the
    /// caller's `restore`, which keeps the composer's snapshot, e.g. as a draft). `machine` is
    /// the machine after the transition, not yet kept. Returns the actions still to perform once
    /// the new state is kept; throws, having changed nothing, when one of them failed: the
    /// message stays as it was (not frozen, still held or waiting).
    func performBeforeCommit(
        _ actions: [SendAction], id: String, machine: SendStateMachine, now: Instant, freezing: Freezing? = nil,
        restore: (DraftRecord?) throws -> Void = { _ in preconditionFailure("Dispatcher: restoreComposer without a composer to restore") }
    ) throws(DispatchRefusal) -> [SendAction] {
        var rest = actions[...]
        while let action = rest.first, action == .writeOutbox || action == .restoreComposer {
            rest = rest.dropFirst()
            if action == .writeOutbox {
                guard let freezing else { preconditionFailure("Dispatcher: writeOutbox without a frozen message") }
                try writeOutbox(id, machine: machine, freezing, now: now)
            } else {
                do {
                    try restore(try? outbox.draft(id: id))
                } catch {
                    throw DispatchRefusal("\(error)")
                }
            }
        }
        return Array(rest)
    }

    /// Performs the actions of one transition; a `submit` feeds the server's answer back into the
    /// machine and performs what follows (or, with a submission thread, hands the attempt to it).
    /// `leaving`: the journal's word for a message taken back or discarded (`recordState` in
    /// `editing` or `discarded`), which the state alone does not tell: undone or edited, a
    /// cancel or a discard. Returns a report when an attempt ended (or `.sending` when it was
    /// handed over).
    @discardableResult
    func perform(
        _ actions: [SendAction], id: String, now: Instant, detail: String?, leaving: JournalEventKind? = nil
    ) -> DispatchReport? {
        var report: DispatchReport?
        for action in actions {
            switch action {
            case .writeOutbox, .restoreComposer:
                preconditionFailure("Dispatcher: \(action) is performed before the new state is kept (performBeforeCommit)")
            case .removeFromOutbox:
                if owned[id]?.machine.state.kind == .sent { keepSentCopy(id) } else { removeEntry(id) }
            case .markSubmittingDurably:
                if let refused = markSubmitting(id, now: now, detail: detail) {
                    return refused // nothing is submitted: the actions after this one are not performed
                }
            case .submit(let recipients):
                report = submit(id, to: recipients, now: now)
            case .recordState:
                switch owned[id]?.machine.state.kind {
                case .editing, .discarded:
                    // Leaving the outbox (removeFromOutbox follows): only the journal is told.
                    journalEvent(id, leaving ?? (owned[id]?.machine.state.kind == .editing ? .edited : .discarded), now: now, detail: detail)
                default:
                    writeState(id)
                    recordOutcome(id, now: now, detail: detail)
                }
            }
        }
        return report
    }

    /// `markSubmittingDurably`: the outbox's state file says "submitting" (synced) before a byte
    /// leaves, so that a crash during the submission is found as "unknown", never as "nothing
    /// was sent". When that write fails nothing is submitted: the message becomes interrupted
    /// with the reason, and the report says so (exit 74). The journal's "submitting" follows
    /// (kept for later when the journal cannot take it now: the outbox is the record that counts).
    func markSubmitting(_ id: String, now: Instant, detail: String?) -> DispatchReport? {
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
            return DispatchReport(
                id: id, messageID: entry.record.messageID, ending: .notMarkedSubmitting(reason: reason), warnings: takeJournalWarnings())
        }
        journalEvent(id, .submitting, now: now, detail: detail)
        return nil
    }

    func writeState(_ id: String) {
        guard let entry = owned[id] else { return }
        do {
            try outbox.write(id: id, state: entry.machine.state)
        } catch {
            owned[id]?.reason = "the outbox could not be updated: \(error)"
        }
    }

    /// The message went to everyone: its file becomes the sent copy (unless an earlier partial
    /// send already made one), and the entry leaves the outbox.
    func keepSentCopy(_ id: String) {
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

    func removeEntry(_ id: String) {
        try? outbox.remove(id: id)
        owned[id]?.lock.release()
        owned[id] = nil
    }
}
