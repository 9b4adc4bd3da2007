import MailCore

/// The send workflow of one message, as a mutating state machine:
///
///     editing → confirming → holding → submitting → sent | partiallySent | failed… | unknown
///
/// `handle(_:)` applies an event and returns what the caller must do, in order. It reads no clock
/// (time comes in on the events) and does no I/O. An event that is illegal in the current state
/// is a bug in guardmail and stops the program (`preconditionFailure`, naming both); ask
/// `isLegal(_:)` first when in doubt. Bad input from outside (a server answer naming a recipient
/// we did not submit to) throws and leaves the state unchanged.
///
/// The full table of transitions is in docs/states.md.
public struct SendStateMachine: Sendable {
    public private(set) var state: SendState
    public let retryPolicy: RetryPolicy

    /// A machine in `state`: `.editing` for a new message, or the state read back from the
    /// journal after a restart (then handle `.restarted` first).
    public init(state: SendState = .editing, retryPolicy: RetryPolicy = .standard) {
        self.state = state
        self.retryPolicy = retryPolicy
    }

    // MARK: Legality

    /// Whether `event` may happen in the current state.
    public func isLegal(_ event: SendEvent) -> Bool { Self.isLegal(event.kind, in: state.kind) }

    /// Whether an event of this kind may happen in a state of this kind. Legality never depends
    /// on the values carried (a `tick` or an `undo` before or after the deadline is legal either
    /// way; the values decide what it does).
    public static func isLegal(_ event: SendEvent.Kind, in state: SendState.Kind) -> Bool {
        switch (state, event) {
        // The clock is always welcome: a tick in a state without a deadline changes nothing.
        case (_, .tick):
            true
        // A restart finds only what was frozen: editing and confirming live in drafts, not here.
        case (.editing, .restarted), (.confirming, .restarted):
            false
        case (_, .restarted):
            true
        case (.editing, .confirm),
            (.confirming, .backToEditing), (.confirming, .freeze), (.confirming, .park),
            (.awaitingConfirmation, .confirmed), (.awaitingConfirmation, .discard),
            (.holding, .undo), (.holding, .release), (.holding, .discard),
            (.submitting, .submitted), (.submitting, .failure), (.submitting, .lost), (.submitting, .markFailed),
            (.partiallySent, .release), (.partiallySent, .discard),
            (.failedTemporarily, .release), (.failedTemporarily, .edit), (.failedTemporarily, .discard),
            (.failedPermanently, .release), (.failedPermanently, .edit), (.failedPermanently, .discard),
            (.unknown, .release), (.unknown, .discard),
            (.interrupted, .release), (.interrupted, .edit), (.interrupted, .discard):
            true
        default:
            false
        }
    }

    // MARK: Transitions

    /// Applies `event` and returns the actions to perform, in order.
    ///
    /// - Throws: `SendInputError` when the server's answer names a recipient that was not in the
    ///   attempt; the state is unchanged (the caller may report it as a `failure`).
    public mutating func handle(_ event: SendEvent) throws(SendInputError) -> [SendAction] {
        guard isLegal(event) else {
            preconditionFailure("SendStateMachine: illegal event \(event) in state \(state)")
        }
        switch (state, event) {
        case (.editing, .confirm):
            state = .confirming
            return []

        case (.confirming, .backToEditing):
            state = .editing
            return []

        case let (.confirming, .freeze(recipients, holdSeconds, now)):
            precondition(!recipients.isEmpty, "SendStateMachine: freeze with no recipients")
            precondition(holdSeconds >= 0, "SendStateMachine: freeze with a negative hold (\(holdSeconds) s)")
            let releaseAt = now + Double(holdSeconds)
            state = .holding(releaseAt: releaseAt, recipients: recipients)
            return [.writeOutbox]

        case let (.confirming, .park(recipients)):
            precondition(!recipients.isEmpty, "SendStateMachine: park with no recipients")
            state = .awaitingConfirmation(recipients: recipients)
            return [.writeOutbox]

        // The hold starts only now: the countdown is from the confirmation, not from the freeze.
        case let (.awaitingConfirmation(recipients), .confirmed(holdSeconds, now)):
            precondition(holdSeconds >= 0, "SendStateMachine: confirmed with a negative hold (\(holdSeconds) s)")
            state = .holding(releaseAt: now + Double(holdSeconds), recipients: recipients)
            return [.recordState]

        // Nothing was sent and nothing will be.
        case (.awaitingConfirmation, .discard):
            state = .discarded
            return [.recordState, .removeFromOutbox]

        // The boundary: undo wins strictly before releaseAt. At releaseAt (or later, when the tick
        // has not been handled yet) the hold is over, and undo does what that tick would have done.
        case let (.holding(releaseAt, recipients), .undo(now)):
            if now < releaseAt {
                state = .editing
                return [.restoreComposer, .recordState, .removeFromOutbox]
            }
            return beginSubmission(attempt: 1, to: recipients)

        case let (.holding(_, recipients), .release):
            return beginSubmission(attempt: 1, to: recipients)

        case let (.holding(releaseAt, recipients), .tick(now)):
            guard now >= releaseAt else { return [] }
            return beginSubmission(attempt: 1, to: recipients)

        // Dropped during the hold (quitting with it held, `guardmail outbox cancel`): nothing
        // was sent and nothing will be; unlike undo, the composer does not get it back.
        case (.holding, .discard):
            state = .discarded
            return [.recordState, .removeFromOutbox]

        // Fail closed: a hold found after a restart waits for the user.
        case let (.holding(_, recipients), .restarted):
            state = .interrupted(recipients: recipients)
            return [.recordState]

        case let (.submitting(_, recipients), .submitted(refused, now)):
            let refusedHere = try Self.match(refused: refused, among: recipients)
            if refusedHere.isEmpty {
                state = .sent(at: now)
                return [.recordState, .removeFromOutbox]
            }
            if refusedHere.count == recipients.count {
                // Nothing was delivered: not "partially sent".
                state = .failedPermanently(
                    reason: "every recipient was refused: " + refusedHere.joined(separator: ", "),
                    recipients: recipients)
                return [.recordState]
            }
            state = .partiallySent(refused: refusedHere, at: now)
            return [.recordState]

        case let (.submitting(attempt, recipients), .failure(temporary, reason, now)):
            if temporary {
                let retryAt = now + retryPolicy.delay(afterAttempt: attempt)
                state = .failedTemporarily(reason: reason, attempt: attempt, retryAt: retryAt, recipients: recipients)
                return [.recordState]
            }
            state = .failedPermanently(reason: reason, recipients: recipients)
            return [.recordState]

        // Never resent automatically: the server may already have it.
        case let (.submitting(_, recipients), .lost(_, _)),
            let (.submitting(_, recipients), .restarted):
            state = .unknown(recipients: recipients)
            return [.recordState]

        // Fail closed: without the durable "submitting" record a crash during the submission
        // would later read as "nothing was sent" and invite a second copy. Nothing went out.
        case let (.submitting(_, recipients), .markFailed):
            state = .interrupted(recipients: recipients)
            return [.recordState]

        case let (.failedTemporarily(_, attempt, retryAt, recipients), .tick(now)):
            guard now >= retryAt else { return [] }
            return beginSubmission(attempt: attempt + 1, to: recipients)

        case let (.failedTemporarily(_, _, _, recipients), .release):
            return beginSubmission(attempt: 1, to: recipients)

        case (.failedTemporarily, .edit):
            state = .editing
            return [.restoreComposer, .recordState, .removeFromOutbox]

        case (.failedTemporarily, .discard):
            state = .discarded
            return [.recordState, .removeFromOutbox]

        // Retries happen while guardmail runs; after a restart the user decides.
        case let (.failedTemporarily(_, _, _, recipients), .restarted):
            state = .interrupted(recipients: recipients)
            return [.recordState]

        case let (.partiallySent(refused, _), .release):
            return beginSubmission(attempt: 1, to: refused)

        case let (.failedPermanently(_, recipients), .release),
            let (.unknown(recipients), .release),
            let (.interrupted(recipients), .release):
            return beginSubmission(attempt: 1, to: recipients)

        case (.failedPermanently, .edit), (.interrupted, .edit):
            state = .editing
            return [.restoreComposer, .recordState, .removeFromOutbox]

        case (.partiallySent, .discard), (.failedPermanently, .discard), (.unknown, .discard), (.interrupted, .discard):
            state = .discarded
            return [.recordState, .removeFromOutbox]

        // Legal and changing nothing: a tick with no deadline (or in a state that has none), a
        // restart in a state that already waits for the user or is finished.
        case (_, .tick), (_, .restarted):
            return []

        default:
            preconditionFailure("SendStateMachine: isLegal allows event \(event) in state \(state) but handle has no transition")
        }
    }

    /// Seconds left in the hold at `now` (0 once it is over); `nil` when not holding.
    public func remaining(at now: Instant) -> Double? {
        guard case let .holding(releaseAt, _) = state else { return nil }
        return max(0, now.seconds(until: releaseAt))
    }

    // MARK: Helpers

    private mutating func beginSubmission(attempt: Int, to recipients: [String]) -> [SendAction] {
        state = .submitting(attempt: attempt, recipients: recipients)
        return [.markSubmittingDurably, .submit(recipients: recipients)]
    }

    /// The refused addresses as we submitted them, in our order. Addresses compare by
    /// `RecipientKey` (the server may echo them in another case, or the domain in another form).
    static func match(refused: [String], among recipients: [String]) throws(SendInputError) -> [String] {
        let ours = Set(recipients.map(RecipientKey.init(address:)))
        var refusedKeys = Set<RecipientKey>()
        for address in refused {
            let key = RecipientKey(address: address)
            guard ours.contains(key) else {
                throw SendInputError.refusedUnknownRecipient(address: address, attempted: recipients)
            }
            refusedKeys.insert(key)
        }
        return recipients.filter { refusedKeys.contains(RecipientKey(address: $0)) }
    }
}

/// Input from outside the program that the workflow cannot accept.
public enum SendInputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server's answer refused an address that was not among this attempt's recipients.
    case refusedUnknownRecipient(address: String, attempted: [String])

    public var description: String {
        switch self {
        case let .refusedUnknownRecipient(address, attempted):
            "the server refused \(address), which was not a recipient of this attempt (\(attempted.joined(separator: ", ")))"
        }
    }
}
