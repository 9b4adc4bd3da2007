// OutboxItem.swift — one outbox message as the views (`guardmail outbox`, the composer's outbox
// screen) show it, and the dispatcher's lists of them.

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
        case .awaitingConfirmation:
            return "needs confirmation: nothing is sent until `guardmail outbox confirm \(id)` in a terminal"
        case .editing, .confirming:
            return "being edited"
        }
    }

    /// The user has to decide something (release, edit or discard) before it can move on.
    public var needsUser: Bool {
        guard !ownedElsewhere else { return false }
        switch state.kind {
        case .interrupted, .unknown, .failedPermanently, .partiallySent, .awaitingConfirmation: return true
        case .holding, .submitting, .failedTemporarily: return !ownedHere
        default: return false
        }
    }
}

extension Dispatcher {
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
}
