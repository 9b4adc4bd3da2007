// DispatchReport.swift — what happened to a message, in words and as an exit status, decided once.
//
// Every way a dispatch can end (an attempt judged by `TransactionVerdict`, a cancel, a refusal to
// send a damaged entry, a submission taken back when guardmail closes...) is an `Ending`;
// `DispatchReport.summary` turns it into the outcome the views switch on, the exit status of
// `guardmail send` / `guardmail outbox release`, and the sentences the user reads. It is pure
// (no clock, no files): `send`, `outbox release` and the composer read the same words, and
// `bulk` the same exit statuses (`TransactionVerdict.exitStatus`, which this uses).

import Workflow

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

    /// How a dispatch ended, with what the words need.
    public enum Ending: Sendable, Equatable {
        /// An attempt the server (or the transport) answered, judged; `after` is the state the
        /// machine went to, `envelope` the recipients of the attempt.
        case attempt(TransactionVerdict, after: SendState, envelope: [String])
        /// The outbox could not record "submitting", so nothing was submitted (fail closed).
        case notMarkedSubmitting(reason: String)
        /// The entry's files could not be locked or read to start the submission.
        case outboxUnavailable(reason: String)
        /// Not sent: the entry disagrees with what was confirmed (or cannot be checked against it).
        case refusedUnconfirmed(reason: String)
        /// Removed by `guardmail outbox cancel` from another terminal before it went.
        case cancelledElsewhere
        /// Cancelled by the user of this command (Ctrl-C during `send`'s hold).
        case cancelledByInterrupt
        /// Left the outbox without this command sending it or being told why.
        case leftOutbox
        /// Handed to the submission thread for this many recipients.
        case handedOver(recipients: Int)
        /// Taken back from the submission thread as guardmail closed; `mayHaveArrived`: the whole
        /// message had been handed over, so the server may have it.
        case withdrawn(reason: String, mayHaveArrived: Bool)
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

    /// The report of `ending`, with `warnings` (the journal's problems) after its own lines.
    public init(id: String, messageID: String, ending: Ending, warnings: [String] = []) {
        let summary = Self.summary(ending, id: id, messageID: messageID)
        self.init(id: id, messageID: messageID, outcome: summary.outcome, lines: summary.lines + warnings, exitStatus: summary.exitStatus)
    }

    /// The one mapping from how a dispatch ended to its outcome, exit status (sysexits.h) and
    /// sentences. Pure.
    public static func summary(_ ending: Ending, id: String, messageID: String) -> (outcome: Outcome, exitStatus: Int32, lines: [String]) {
        switch ending {
        case .attempt(let verdict, let state, let envelope):
            return attempt(verdict, after: state, envelope: envelope, id: id, messageID: messageID)
        case .notMarkedSubmitting(let reason):
            return (
                .failedPermanently, 74,
                ["not sent: \(reason)", "kept in the outbox as \(id): `guardmail outbox release \(id)` sends it once this is fixed"]
            )
        case .outboxUnavailable(let reason):
            return (.failedPermanently, 74, ["not sent: \(reason)"])
        case .refusedUnconfirmed(let reason):
            return (.failedPermanently, 65, ["not sent: \(reason)"])
        case .cancelledElsewhere:
            return (.cancelledElsewhere, 0, ["cancelled with guardmail outbox cancel; nothing was sent"])
        case .cancelledByInterrupt:
            return (.undone, 130, ["cancelled \(id) with Ctrl-C; nothing was sent"])
        case .leftOutbox:
            return (.cancelledElsewhere, 0, ["\(id) left the outbox; nothing was sent by this command"])
        case .handedOver(let count):
            return (.sending, 0, ["sending \(messageID) to \(count) recipient\(count == 1 ? "" : "s")…"])
        case .withdrawn(let reason, let mayHaveArrived):
            let status = TransactionVerdict.exitStatus(.withdrawn, temporary: true)
            if mayHaveArrived {
                return (
                    .unknown, status,
                    ["\(id): \(reason): it stays in the outbox as unknown and is never resent on its own (guardmail outbox show \(id))"]
                )
            }
            return (.interrupted, status, ["\(id): \(reason): it stays in the outbox as interrupted (guardmail outbox release \(id) sends it)"])
        }
    }

    /// An answered attempt: a line per recipient when the server took the message (only then
    /// does "accepted" mean anything), the failure's reason, then what became of the message.
    private static func attempt(
        _ verdict: TransactionVerdict, after state: SendState, envelope: [String], id: String, messageID: String
    ) -> (outcome: Outcome, exitStatus: Int32, lines: [String]) {
        var lines: [String] = []
        if case .submitted = verdict.event {
            for recipient in verdict.recipients {
                let reply = recipient.rcptReply?.description ?? "not tried"
                lines.append(recipient.fate == .accepted ? "accepted: \(recipient.address)" : "refused: \(recipient.address): \(reply)")
            }
        }
        if let reason = verdict.reason { lines.append(reason) }
        var exitStatus = verdict.exitStatus
        let outcome: Outcome
        switch state {
        case .sent:
            outcome = .sent
            lines.append("sent \(messageID) to \(envelope.count) recipient\(envelope.count == 1 ? "" : "s")")
        case .partiallySent(let refused, _):
            outcome = .partiallySent(refused: refused)
            lines.append(
                "sent \(messageID) to \(envelope.count - refused.count) of \(envelope.count) recipients; "
                    + "\(refused.count) refused — kept in the outbox as \(id) to retry them")
        case .failedTemporarily(_, _, let retryAt, _):
            outcome = .failedTemporarily(retryAt: retryAt)
        case .failedPermanently:
            outcome = .failedPermanently
            // The server's answer named a recipient that was not in the attempt: counted as failed.
            if exitStatus == 0 { exitStatus = 69 }
        case .unknown:
            outcome = .unknown
        default:
            outcome = .failedPermanently
        }
        return (outcome, exitStatus, lines)
    }
}
