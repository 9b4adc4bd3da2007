// DispatcherUserActions.swift — the user's keys on a message this process runs: undo, release
// ("send it now"), edit and discard, each an event of the message's machine.

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
        let actions = try! machine.handle(.undo(now: now))
        if machine.state == .editing {
            let rest: [SendAction]
            do throws(DispatchRefusal) {
                rest = try performBeforeCommit(actions, id: id, machine: machine, now: now, restore: restore)
            } catch {
                return .notRestored(error.description)
            }
            owned[id]?.machine = machine
            perform(rest, id: id, now: now, detail: nil, leaving: .undone)
            return .restored
        }
        // Too late: the hold is over, and the undo does what that tick would have done, under
        // the state lock as the tick does, so that a cancel from another terminal made first wins.
        do {
            let done = try transitionLocked(id, now: now) { _ in (.undo(now: now), nil) }
            if let refused = done.report { return .tooLate(refused) }
            return .tooLate(perform(done.rest, id: id, now: now, detail: done.detail))
        } catch {
            if error.kind == .corrupt { return .tooLate(refuseDamaged(id, Problem(damaged: true, reason: "its files changed during the hold: \(error)"))) }
            guard error.kind == .notFound else {
                return .tooLate(DispatchReport(id: id, messageID: entry.record.messageID, ending: .outboxUnavailable(reason: "\(error)")))
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
            if error.kind == .corrupt { return refuseDamaged(id, Problem(damaged: true, reason: "its files changed: \(error)")) }
            guard error.kind == .notFound else {
                return DispatchReport(id: id, messageID: entry.record.messageID, ending: .outboxUnavailable(reason: "\(error)"))
            }
            return forgetCancelled(id, messageID: entry.record.messageID)
        }
        return perform(rest, id: id, now: now, detail: "released by the user")
    }

    /// Another process removed the entry (`guardmail outbox cancel`): this one lets it go.
    func forgetCancelled(_ id: String, messageID: String) -> DispatchReport {
        owned[id]?.lock.release()
        owned[id] = nil
        return DispatchReport(id: id, messageID: messageID, ending: .cancelledElsewhere)
    }

    /// Applies the event `choose` picks (from the entry as it is on disk) under the entry's state
    /// lock, and performs its actions up to `markSubmittingDurably` there: a cancel from another
    /// process either came first (the entry is gone: `.notFound`) or finds it submitting.
    /// Returns the actions still to perform (the submission) and the event's journal detail.
    func transitionLocked(
        _ id: String, now: Instant, choose: (OutboxEntry) -> (SendEvent, String?)
    ) throws(OutboxError) -> (rest: [SendAction], detail: String?, report: DispatchReport?) {
        try outbox.withStateLock(id: id) { (disk: OutboxEntry) throws(OutboxError) -> (rest: [SendAction], detail: String?, report: DispatchReport?) in
            guard var machine = owned[id]?.machine, let record = owned[id]?.record else { return ([], nil, nil) }
            // The recipients are what this process took over (frozen or adopted): record.toml edited
            // since, even consistently with state.toml, is damage, never a new envelope.
            guard disk.record.recipients == record.recipients else {
                throw OutboxError(
                    kind: .corrupt, path: outbox.entryDirectory(id: id),
                    message: "the recipients in its record.toml changed after it was confirmed")
            }
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
        var machine = entry.machine
        let actions = try! machine.handle(.edit)
        let rest: [SendAction]
        do throws(DispatchRefusal) {
            rest = try performBeforeCommit(actions, id: id, machine: machine, now: now, restore: restore)
        } catch {
            return DispatchRefusal("the message could not be reopened (\(error)); it stays in the outbox")
        }
        owned[id]?.machine = machine
        perform(rest, id: id, now: now, detail: nil, leaving: .edited)
        return nil
    }

    /// Drops a message this process owns from the outbox; nothing more is sent.
    @discardableResult
    public func discard(_ id: String, now: Instant) -> Bool {
        guard var entry = owned[id], entry.machine.isLegal(.discard) else { return false }
        let actions = try! entry.machine.handle(.discard)
        owned[id] = entry
        perform(actions, id: id, now: now, detail: nil, leaving: .discarded)
        return true
    }
}
