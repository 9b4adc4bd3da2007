/// What happens to a message: the user's keys, the clock, the server's answer, a restart.
public enum SendEvent: Hashable, Sendable {
    /// `y` in the composer: open the confirmation screen.
    case confirm
    /// Leave the confirmation screen without sending.
    case backToEditing
    /// Every item ticked and `y` on the confirmation screen: freeze the message in the outbox
    /// with this envelope and start a hold of `holdSeconds` (from the policy: `PolicyConfig.holdSeconds`).
    case freeze(recipients: [String], holdSeconds: Int, now: Instant)
    /// Freeze the message in the outbox without a confirmation, waiting for one (`guardmail
    /// sendmail` without a terminal, with findings that need confirmation). No hold starts.
    case park(recipients: [String])
    /// A person confirmed a parked message on the confirmation screen (`guardmail outbox
    /// confirm ID`): its hold of `holdSeconds` starts now.
    case confirmed(holdSeconds: Int, now: Instant)
    /// `u` during the hold. Wins strictly before the release time; at or after it, too late.
    case undo(now: Instant)
    /// The user's explicit "send it now": release a hold early, retry after a failure, retry the
    /// refused recipients, release an interrupted message, re-send one whose fate is unknown.
    case release
    /// The clock says it is `now`. Legal in every state; moves a hold or a retry on once its
    /// deadline has come, and does nothing otherwise.
    case tick(now: Instant)
    /// The server took the message; `refused` are the recipients it refused (none when all were
    /// accepted). External input: an address we did not submit to is an error.
    case submitted(refused: [String], now: Instant)
    /// The submission failed as a whole; `reason` is the server's (or the transport's) words.
    case failure(temporary: Bool, reason: String, now: Instant)
    /// The connection broke after the whole message had been handed over, before the server's
    /// answer: the server may or may not have it, so it is never resent automatically.
    case lost(reason: String, now: Instant)
    /// The durable record that the message is being submitted (`markSubmittingDurably`) could
    /// not be written (a full or read-only disk): nothing was handed to the server, and nothing
    /// will be without the user. `reason` says why, with the path.
    case markFailed(reason: String)
    /// guardmail started again and found this message in the journal in its last state.
    case restarted
    /// Take the frozen message back into the composer (after an interruption or a failure).
    case edit
    /// Remove it from the outbox; nothing more is sent.
    case discard

    /// The events without their values.
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        case confirm, backToEditing, freeze, park, confirmed, undo, release, tick, submitted, failure, lost, markFailed, restarted, edit, discard
    }

    public var kind: Kind {
        switch self {
        case .confirm: .confirm
        case .backToEditing: .backToEditing
        case .freeze: .freeze
        case .park: .park
        case .confirmed: .confirmed
        case .undo: .undo
        case .release: .release
        case .tick: .tick
        case .submitted: .submitted
        case .failure: .failure
        case .lost: .lost
        case .markFailed: .markFailed
        case .restarted: .restarted
        case .edit: .edit
        case .discard: .discard
        }
    }
}
