import Testing
import Workflow

/// An instant `seconds` after the test clock's origin.
func t(_ seconds: Double) -> Instant { Instant(seconds: seconds) }

let hanako = "hanako@example.jp"
let bob = "bob@example.com"
let boss = "boss@example.co.jp"
let everyone = [hanako, bob, boss]

/// A clock the test moves by hand: nothing sleeps.
struct TestClock {
    private(set) var now: Instant
    init(_ start: Double) { now = t(start) }
    mutating func advance(by seconds: Double) { now = now + seconds }
}

/// Applies events in order and returns the actions of the last one.
@discardableResult
func run(_ machine: inout SendStateMachine, _ events: SendEvent...) throws -> [SendAction] {
    var actions: [SendAction] = []
    for event in events {
        #expect(machine.isLegal(event), "\(event) should be legal in \(machine.state)")
        actions = try machine.handle(event)
    }
    return actions
}

/// One state of each kind, with values.
let sampleStates: [SendState] = [
    .editing,
    .confirming,
    .awaitingConfirmation(recipients: everyone),
    .holding(releaseAt: t(100), recipients: everyone),
    .submitting(attempt: 1, recipients: everyone),
    .sent(at: t(101)),
    .partiallySent(refused: [bob], at: t(101)),
    .failedTemporarily(reason: "421 try later", attempt: 2, retryAt: t(200), recipients: everyone),
    .failedPermanently(reason: "550 no such user", recipients: everyone),
    .unknown(recipients: everyone),
    .interrupted(recipients: everyone),
    .discarded
]

/// Events of every kind, with values on both sides of the deadlines above.
let sampleEvents: [SendEvent] = [
    .confirm,
    .backToEditing,
    .freeze(recipients: everyone, holdSeconds: 60, now: t(40)),
    .park(recipients: everyone),
    .confirmed(holdSeconds: 60, now: t(40)),
    .undo(now: t(50)), .undo(now: t(100)), .undo(now: t(1000)),
    .release,
    .tick(now: t(50)), .tick(now: t(100)), .tick(now: t(200)), .tick(now: t(100_000)),
    .submitted(refused: [], now: t(101)), .submitted(refused: [bob], now: t(101)),
    .failure(temporary: true, reason: "421", now: t(101)), .failure(temporary: false, reason: "554", now: t(101)),
    .lost(reason: "connection reset after the data", now: t(101)),
    .markFailed(reason: "the outbox could not be written: No space left on device"),
    .restarted,
    .edit,
    .discard
]
