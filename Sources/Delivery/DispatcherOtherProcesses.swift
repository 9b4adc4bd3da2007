// DispatcherOtherProcesses.swift — acting on a message another process runs, through the outbox
// files under the entry's state lock: `guardmail outbox cancel`, `cancel --damaged`, `release`.

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
            perform(actions, id: id, now: now, detail: detail, leaving: kind)
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
                // Not owned here: its actions are carried out on the files and the journal.
                for action in actions {
                    switch action {
                    case .recordState:
                        journalWrite(
                            .event(
                                messageID: entry.record.messageID, kind: kind, at: Int64(now.seconds),
                                detail: "cancelled with guardmail outbox cancel"), what: kind.label)
                    case .removeFromOutbox:
                        try outbox.remove(id: id)
                    default:
                        preconditionFailure("Dispatcher: discard asked for \(action)")
                    }
                }
                return .done
            }
        } catch {
            return remoteFailure(id, error)
        }
    }

    /// What a failed read or lock of an entry means for a request about it.
    func remoteFailure(_ id: String, _ error: OutboxError) -> RemoteResult {
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
}
