import Testing
import Workflow

/// One legal transition: from a state, an event leads to a state and these actions, in order.
struct Transition: Sendable, CustomTestStringConvertible {
    let from: SendState
    let event: SendEvent
    let to: SendState
    let actions: [SendAction]
    let note: String

    init(_ from: SendState, _ event: SendEvent, _ to: SendState, _ actions: [SendAction], _ note: String = "") {
        self.from = from
        self.event = event
        self.to = to
        self.actions = actions
        self.note = note
    }

    var testDescription: String {
        "\(from.kind) + \(event.kind) → \(to.kind)" + (note.isEmpty ? "" : " (\(note))")
    }
}

private let holding = SendState.holding(releaseAt: t(100), recipients: everyone)
private let submitting1 = SendState.submitting(attempt: 1, recipients: everyone)
private let partial = SendState.partiallySent(refused: [bob], at: t(101))
private let temporary = SendState.failedTemporarily(reason: "421 try later", attempt: 2, retryAt: t(200), recipients: everyone)
private let permanent = SendState.failedPermanently(reason: "550 no such user", recipients: everyone)
private let unknown = SendState.unknown(recipients: everyone)
private let interrupted = SendState.interrupted(recipients: everyone)
private let sendAll: [SendAction] = [.markSubmittingDurably, .submit(recipients: everyone)]
private let takeBack: [SendAction] = [.restoreComposer, .recordState, .removeFromOutbox]

/// Every legal transition. `LegalityTests` checks that no other (state, event) pair is legal.
let transitions: [Transition] = [
    // editing
    Transition(.editing, .confirm, .confirming, []),
    Transition(.editing, .tick(now: t(5)), .editing, [], "a stray tick changes nothing"),
    // confirming
    Transition(.confirming, .backToEditing, .editing, []),
    Transition(
        .confirming, .freeze(recipients: everyone, holdSeconds: 60, now: t(40)), holding,
        [.writeOutbox]),
    Transition(
        .confirming, .freeze(recipients: [boss], holdSeconds: 0, now: t(40)),
        .holding(releaseAt: t(40), recipients: [boss]), [.writeOutbox],
        "a zero hold still goes through holding"),
    Transition(.confirming, .tick(now: t(5)), .confirming, []),
    Transition(
        .confirming, .park(recipients: everyone), .awaitingConfirmation(recipients: everyone), [.writeOutbox],
        "sendmail without a terminal: frozen, no hold"),
    // awaiting confirmation (sendmail without a terminal)
    Transition(
        .awaitingConfirmation(recipients: everyone), .confirmed(holdSeconds: 60, now: t(40)), holding, [.recordState],
        "the hold counts from the confirmation"),
    Transition(
        .awaitingConfirmation(recipients: everyone), .discard, .discarded, [.recordState, .removeFromOutbox],
        "outbox cancel: nothing was sent"),
    Transition(
        .awaitingConfirmation(recipients: everyone), .tick(now: t(10_000)), .awaitingConfirmation(recipients: everyone), [],
        "time alone never sends it"),
    Transition(
        .awaitingConfirmation(recipients: everyone), .restarted, .awaitingConfirmation(recipients: everyone), [],
        "a restart leaves it waiting for its confirmation"),
    // holding
    Transition(holding, .undo(now: t(60)), .editing, takeBack),
    Transition(
        holding, .undo(now: Instant(seconds: 100.0.nextDown)), .editing, takeBack,
        "undo at the last instant before the release wins"),
    Transition(
        holding, .undo(now: t(100)), submitting1, sendAll,
        "undo at the release time loses"),
    Transition(
        holding, .undo(now: t(130)), submitting1, sendAll,
        "undo after the release time, tick not handled yet, loses"),
    Transition(holding, .release, submitting1, sendAll, "released early"),
    Transition(holding, .discard, .discarded, [.recordState, .removeFromOutbox], "dropped while held"),
    Transition(holding, .tick(now: t(99.5)), holding, [], "before the release time"),
    Transition(holding, .tick(now: t(100)), submitting1, sendAll, "at the release time"),
    Transition(holding, .tick(now: t(250)), submitting1, sendAll, "a late tick (the machine slept)"),
    Transition(holding, .restarted, interrupted, [.recordState], "never released automatically"),
    // submitting
    Transition(submitting1, .submitted(refused: [], now: t(101)), .sent(at: t(101)), [.recordState, .removeFromOutbox]),
    Transition(submitting1, .submitted(refused: [bob], now: t(101)), partial, [.recordState]),
    Transition(
        submitting1, .submitted(refused: ["BOB@Example.COM", hanako], now: t(101)),
        .partiallySent(refused: [hanako, bob], at: t(101)), [.recordState],
        "refused addresses as we spelled them, in our order"),
    Transition(submitting1, .submitted(refused: [bob, bob], now: t(101)), partial, [.recordState], "duplicates once"),
    Transition(
        submitting1, .submitted(refused: [boss, hanako, bob], now: t(101)),
        .failedPermanently(reason: "every recipient was refused: \(hanako), \(bob), \(boss)", recipients: everyone),
        [.recordState], "all refused is a failure, not a partial send"),
    Transition(
        submitting1, .failure(temporary: true, reason: "421 try later", now: t(101)),
        .failedTemporarily(reason: "421 try later", attempt: 1, retryAt: t(131), recipients: everyone),
        [.recordState]),
    Transition(
        .submitting(attempt: 3, recipients: [bob]), .failure(temporary: true, reason: "timeout", now: t(1000)),
        .failedTemporarily(reason: "timeout", attempt: 3, retryAt: t(1120), recipients: [bob]),
        [.recordState], "third attempt: 120 s"),
    Transition(
        submitting1, .failure(temporary: false, reason: "554 rejected", now: t(101)),
        .failedPermanently(reason: "554 rejected", recipients: everyone), [.recordState]),
    Transition(submitting1, .tick(now: t(101)), submitting1, []),
    Transition(submitting1, .restarted, unknown, [.recordState], "never resent automatically"),
    Transition(
        submitting1, .markFailed(reason: "the outbox could not be written: No space left on device"), interrupted,
        [.recordState], "fail closed: nothing was submitted"),
    Transition(
        submitting1, .lost(reason: "connection reset after the data", now: t(101)), unknown, [.recordState],
        "the server may have it: never resent automatically"),
    // sent
    Transition(.sent(at: t(101)), .tick(now: t(500)), .sent(at: t(101)), []),
    Transition(.sent(at: t(101)), .restarted, .sent(at: t(101)), []),
    // partially sent
    Transition(
        partial, .release, .submitting(attempt: 1, recipients: [bob]),
        [.markSubmittingDurably, .submit(recipients: [bob])], "the retry goes only to the refused"),
    Transition(partial, .discard, .discarded, [.recordState, .removeFromOutbox]),
    Transition(partial, .tick(now: t(10_000)), partial, [], "never retried automatically"),
    Transition(partial, .restarted, partial, []),
    // failed temporarily
    Transition(temporary, .tick(now: Instant(seconds: 200.0.nextDown)), temporary, [], "before the retry time"),
    Transition(temporary, .tick(now: t(200)), .submitting(attempt: 3, recipients: everyone), sendAll, "the automatic retry"),
    Transition(temporary, .release, submitting1, sendAll, "retry now: a new series"),
    Transition(temporary, .edit, .editing, takeBack),
    Transition(temporary, .discard, .discarded, [.recordState, .removeFromOutbox]),
    Transition(temporary, .restarted, interrupted, [.recordState], "retries only while guardmail runs"),
    // failed permanently
    Transition(permanent, .release, submitting1, sendAll),
    Transition(permanent, .edit, .editing, takeBack),
    Transition(permanent, .discard, .discarded, [.recordState, .removeFromOutbox]),
    Transition(permanent, .tick(now: t(10_000)), permanent, [], "never retried automatically"),
    Transition(permanent, .restarted, permanent, []),
    // unknown
    Transition(unknown, .release, submitting1, sendAll, "a deliberate re-send"),
    Transition(unknown, .discard, .discarded, [.recordState, .removeFromOutbox]),
    Transition(unknown, .tick(now: t(10_000)), unknown, []),
    Transition(unknown, .restarted, unknown, []),
    // interrupted
    Transition(interrupted, .release, submitting1, sendAll),
    Transition(interrupted, .edit, .editing, takeBack),
    Transition(interrupted, .discard, .discarded, [.recordState, .removeFromOutbox]),
    Transition(interrupted, .tick(now: t(10_000)), interrupted, []),
    Transition(interrupted, .restarted, interrupted, []),
    // discarded
    Transition(.discarded, .tick(now: t(10_000)), .discarded, []),
    Transition(.discarded, .restarted, .discarded, [])
]

@Suite struct TransitionTableTests {
    @Test("every legal transition gives its state and its actions, in order", arguments: transitions)
    func transition(_ row: Transition) throws {
        var machine = SendStateMachine(state: row.from)
        #expect(machine.isLegal(row.event))
        let actions = try machine.handle(row.event)
        #expect(machine.state == row.to)
        #expect(actions == row.actions)
    }

    @Test("submit is always right after marking submitting durably, to the recipients of the new state")
    func markBeforeSubmit() throws {
        var submits = 0
        for row in transitions {
            for (index, action) in row.actions.enumerated() {
                guard case let .submit(recipients) = action else { continue }
                submits += 1
                #expect(index > 0 && row.actions[index - 1] == .markSubmittingDurably, "\(row.testDescription)")
                #expect(row.to.kind == .submitting && row.to.pendingRecipients == recipients, "\(row.testDescription)")
            }
            if row.actions.contains(.markSubmittingDurably) {
                #expect(row.actions.last.map { if case .submit = $0 { true } else { false } } == true)
            }
        }
        #expect(submits == 11)
    }

    @Test("taking a message back restores the composer before it leaves the outbox")
    func restoreBeforeRemove() {
        for row in transitions where row.actions.contains(.restoreComposer) {
            let restore = row.actions.firstIndex(of: .restoreComposer)
            let remove = row.actions.firstIndex(of: .removeFromOutbox)
            #expect(restore != nil && remove != nil && restore! < remove!, "\(row.testDescription)")
            #expect(row.to == .editing)
        }
        // And every way back to editing after the freeze restores the message intact.
        for row in transitions where row.to == .editing && row.from.pendingRecipients != nil {
            #expect(row.actions.contains(.restoreComposer), "\(row.testDescription)")
        }
    }

    @Test("a deadline lives in the state: leaving a state that waits on one leaves its deadline behind")
    func deadlinesGoWithTheState() {
        for row in transitions where row.from.deadline != nil && row.from.kind != row.to.kind {
            #expect(row.to.deadline == nil, "\(row.testDescription)")
        }
        // The only ways into a state with a deadline: the freeze and the confirmation of a parked
        // message (the hold), and a temporary failure (the retry).
        for row in transitions where row.to.deadline != nil && row.from.kind != row.to.kind {
            #expect(row.event.kind == .freeze || row.event.kind == .confirmed || row.event.kind == .failure, "\(row.testDescription)")
        }
    }
}
