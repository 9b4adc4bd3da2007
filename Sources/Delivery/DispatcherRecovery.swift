// DispatcherRecovery.swift — messages whose process died (adopted: `restarted`, fail closed), and
// what this process leaves behind when it ends (`relinquish`).

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
}
