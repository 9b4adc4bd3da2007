import Outbox
import Testing
import Workflow
@testable import Delivery

/// Every state as the outbox views word it, by who runs it, and whether the user must decide.
@Suite("OutboxItem: every state's words and whether it waits for the user")
struct OutboxItemTests {
    static let now = Instant(seconds: 1_000_000)
    static let record = OutboxRecord(
        id: "ID1", messageID: "<m@x>", account: "a", from: "taro@example.jp", mailFrom: "taro@example.jp",
        recipients: [OutboxRecipient(address: "bob@example.com", field: "to")], subject: "s", attachments: [],
        confirmation: ConfirmationRecord(confirmedBy: "test", via: "test"), confirmedAt: 999_000, holdSeconds: 10,
        messageOffset: 0, messageSize: 1)

    struct Case: Sendable, CustomTestStringConvertible {
        var state: SendState
        var owner: Owner
        var reason: String? = nil
        var words: String
        var needsUser: Bool
        var testDescription: String { "\(state.kind) (\(owner))" }
    }
    enum Owner: Sendable { case here, elsewhere, nobody }

    static let bob = ["bob@example.com"]
    static let cases: [Case] = [
        Case(state: .holding(releaseAt: now + 41.2, recipients: bob), owner: .here, words: "sends in 42 s", needsUser: false),
        Case(
            state: .holding(releaseAt: now + 5, recipients: bob), owner: .elsewhere,
            words: "sends in 5 s (held by another guardmail)", needsUser: false),
        Case(
            state: .holding(releaseAt: now + 5, recipients: bob), owner: .nobody,
            words: "interrupted: nothing was sent (guardmail stopped during the hold)", needsUser: true),
        Case(state: .submitting(attempt: 1, recipients: bob), owner: .here, words: "sending…", needsUser: false),
        Case(
            state: .submitting(attempt: 1, recipients: bob), owner: .nobody, words: "unknown: the program stopped while sending",
            needsUser: true),
        Case(state: .sent(at: now), owner: .here, words: "sent", needsUser: false),
        Case(
            state: .partiallySent(refused: bob, at: now), owner: .nobody, reason: "550 no such user",
            words: "partly sent; refused: bob@example.com (550 no such user)", needsUser: true),
        Case(
            state: .failedTemporarily(reason: "421 busy", attempt: 1, retryAt: now + 30, recipients: bob), owner: .here,
            words: "failed: 421 busy; retrying in 30 s", needsUser: false),
        Case(
            state: .failedTemporarily(reason: "421 busy", attempt: 1, retryAt: now + 30, recipients: bob), owner: .nobody,
            words: "failed: 421 busy; not retrying (interrupted)", needsUser: true),
        Case(
            state: .failedPermanently(reason: "554 no", recipients: bob), owner: .here, words: "failed: 554 no", needsUser: true),
        Case(
            state: .unknown(recipients: bob), owner: .here, reason: "the connection broke",
            words: "unknown: the connection broke; never resent on its own", needsUser: true),
        Case(
            state: .unknown(recipients: bob), owner: .elsewhere,
            words: "unknown: the server may or may not have it; never resent on its own", needsUser: false),
        Case(state: .interrupted(recipients: bob), owner: .here, words: "interrupted: nothing was sent", needsUser: true),
        Case(
            state: .awaitingConfirmation(recipients: bob), owner: .nobody,
            words: "needs confirmation: nothing is sent until `guardmail outbox confirm ID1` in a terminal", needsUser: true),
        Case(state: .discarded, owner: .here, words: "discarded", needsUser: false),
        Case(state: .editing, owner: .here, words: "being edited", needsUser: false),
        Case(state: .confirming, owner: .here, words: "being edited", needsUser: false)
    ]

    @Test("each state's words and whether the user must decide", arguments: cases)
    func describe(_ c: Case) {
        let item = OutboxItem(
            id: "ID1", record: Self.record, state: c.state, ownedHere: c.owner == .here, ownedElsewhere: c.owner == .elsewhere,
            reason: c.reason)
        #expect(item.describe(now: Self.now) == c.words)
        #expect(item.needsUser == c.needsUser)
    }

    @Test("the cases cover every kind of state")
    func coverage() {
        #expect(Set(Self.cases.map(\.state.kind)) == Set(SendState.Kind.allCases))
    }
}
