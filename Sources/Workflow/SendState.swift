/// Where one message is on its way out. See docs/states.md for the diagram and the rules.
///
/// The states after `confirming` carry everything the next step needs (who the next submission
/// goes to, when the hold ends, which attempt this is), so a state written to the journal is
/// enough to rebuild the machine after a restart.
public enum SendState: Hashable, Sendable, Codable {
    /// The composer is open; nothing is frozen.
    case editing
    /// The confirmation screen is open; nothing is frozen.
    case confirming
    /// Frozen in the outbox without a confirmation: `guardmail sendmail` found findings that need
    /// one and had no terminal to ask on. Nothing is sent until a person confirms it on the
    /// confirmation screen (`guardmail outbox confirm ID`); then the hold starts.
    case awaitingConfirmation(recipients: [String])
    /// Frozen in the outbox; the countdown runs until `releaseAt`. `u` undoes before then.
    case holding(releaseAt: Instant, recipients: [String])
    /// Marked submitting in the journal; handed to the server. `attempt` counts from 1 in each
    /// series of automatic retries.
    case submitting(attempt: Int, recipients: [String])
    /// Every recipient of the last attempt was accepted.
    case sent(at: Instant)
    /// The server accepted the message for some recipients and refused `refused` (spelled as we
    /// sent them). A retry goes only to `refused`.
    case partiallySent(refused: [String], at: Instant)
    /// A temporary failure (4xx, timeout, dropped connection): retried automatically at `retryAt`
    /// while guardmail runs. `attempt` is the attempt that failed.
    case failedTemporarily(reason: String, attempt: Int, retryAt: Instant, recipients: [String])
    /// A permanent failure: kept with the server's words until the user retries, edits or discards.
    case failedPermanently(reason: String, recipients: [String])
    /// The process died while submitting, or the connection broke after the whole message was
    /// handed over: the server may or may not have the message. Never
    /// resent automatically; the user may release it (a deliberate re-send) or discard it.
    case unknown(recipients: [String])
    /// Found after a restart while it was holding or waiting to retry: nothing was sent and
    /// nothing will be without the user (release, edit or discard).
    case interrupted(recipients: [String])
    /// The user discarded it from the outbox; nothing more will be sent.
    case discarded

    /// The states without their values.
    public enum Kind: String, CaseIterable, Hashable, Sendable, Codable {
        case editing, confirming, awaitingConfirmation, holding, submitting, sent, partiallySent
        case failedTemporarily, failedPermanently, unknown, interrupted, discarded
    }

    public var kind: Kind {
        switch self {
        case .editing: .editing
        case .confirming: .confirming
        case .awaitingConfirmation: .awaitingConfirmation
        case .holding: .holding
        case .submitting: .submitting
        case .sent: .sent
        case .partiallySent: .partiallySent
        case .failedTemporarily: .failedTemporarily
        case .failedPermanently: .failedPermanently
        case .unknown: .unknown
        case .interrupted: .interrupted
        case .discarded: .discarded
        }
    }

    /// When a `tick` at or after this instant moves the state on: the end of the hold, or the
    /// next automatic retry. `nil` when time alone changes nothing.
    public var deadline: Instant? {
        switch self {
        case let .holding(releaseAt, _): releaseAt
        case let .failedTemporarily(_, _, retryAt, _): retryAt
        default: nil
        }
    }

    /// Who the next submission (automatic or released by the user) would go to; `nil` before the
    /// message is frozen and once it is finished.
    public var pendingRecipients: [String]? {
        switch self {
        case .editing, .confirming, .sent, .discarded: nil
        case let .awaitingConfirmation(recipients), let .holding(_, recipients), let .submitting(_, recipients),
            let .failedTemporarily(_, _, _, recipients), let .failedPermanently(_, recipients),
            let .unknown(recipients), let .interrupted(recipients):
            recipients
        case let .partiallySent(refused, _): refused
        }
    }

    /// Nothing more can happen to this message: it was sent to everyone, or discarded.
    public var isFinished: Bool { self == .discarded || kind == .sent }
}
