import Testing
import Workflow

// `TransactionVerdict.judge` is the one place that says what an SMTP transaction's outcome means
// for `send`, the composer and bulk. These tables pin the mapping as it was when the decision
// still lived in `Dispatcher.recordAttempt`, `Delivery.exitStatus` and `BulkRunner.attempt`.

private let a = "a@example.com"
private let b = "b@example.com"
private let c = "c@example.com"
private let now = t(1_000)

private func reply(_ code: Int, _ text: String = "") -> ServerReply { ServerReply(code: code, text: text) }
private func rcpt(_ address: String, _ code: Int?, _ text: String = "") -> RecipientReply {
    RecipientReply(address: address, reply: code.map { reply($0, text) })
}

/// One row: an outcome and everything the verdict must say about it.
struct VerdictCase: CustomTestStringConvertible, Sendable {
    var name: String
    var outcome: TransactionOutcome
    var fates: [TransactionVerdict.Fate]
    var event: SendEvent
    var exitStatus: Int32
    var testDescription: String { name }

    static func taken(_ name: String, _ replies: [RecipientReply], fates: [TransactionVerdict.Fate], refused: [String], exit: Int32) -> VerdictCase {
        VerdictCase(
            name: name, outcome: TransactionOutcome(envelope: replies.map(\.address), ending: .taken(recipients: replies)),
            fates: fates, event: .submitted(refused: refused, now: now), exitStatus: exit)
    }

    static func failed(
        _ name: String, _ failure: TransactionFailure, envelope: [String] = [a, b],
        fates: [TransactionVerdict.Fate], temporary: Bool, exit: Int32
    ) -> VerdictCase {
        VerdictCase(
            name: name, outcome: TransactionOutcome(envelope: envelope, ending: .failed(failure)), fates: fates,
            event: .failure(temporary: temporary, reason: failure.message, now: now), exitStatus: exit)
    }

    static func lost(_ name: String, _ failure: TransactionFailure, envelope: [String] = [a, b], fates: [TransactionVerdict.Fate]) -> VerdictCase {
        VerdictCase(
            name: name, outcome: TransactionOutcome(envelope: envelope, ending: .failed(failure)), fates: fates,
            event: .lost(reason: failure.message, now: now), exitStatus: 75)
    }
}

private func failure(
    _ kind: TransactionFailure.Kind, _ reply: ServerReply? = nil, _ recipients: [RecipientReply] = [],
    afterData: Bool = false
) -> TransactionFailure {
    TransactionFailure(kind: kind, message: "\(kind) \(reply?.description ?? "")", reply: reply, recipients: recipients, afterData: afterData)
}

let verdictCases: [VerdictCase] = [
    // The server took the message.
    .taken(
        "every recipient accepted", [rcpt(a, 250), rcpt(b, 250)],
        fates: [.accepted, .accepted], refused: [], exit: 0),
    .taken(
        "one refused permanently (550)", [rcpt(a, 250), rcpt(b, 550, "5.1.1 no such user")],
        fates: [.accepted, .refusedPermanently], refused: [b], exit: 69),
    .taken(
        "one refused temporarily (450)", [rcpt(a, 250), rcpt(b, 450, "4.2.1 try later")],
        fates: [.accepted, .refusedTemporarily], refused: [b], exit: 75),
    .taken(
        "a temporary and a permanent refusal: permanent wins (69)", [rcpt(a, 250), rcpt(b, 450), rcpt(c, 550)],
        fates: [.accepted, .refusedTemporarily, .refusedPermanently], refused: [b, c], exit: 69),
    .taken(
        "all refused permanently", [rcpt(a, 550), rcpt(b, 553)],
        fates: [.refusedPermanently, .refusedPermanently], refused: [a, b], exit: 69),
    .taken(
        "452 too many recipients: the rest refused temporarily (75)",
        [rcpt(a, 250), rcpt(b, 452, "4.5.3 Too many recipients"), rcpt(c, 452, "4.5.3 Too many recipients")],
        fates: [.accepted, .refusedTemporarily, .refusedTemporarily], refused: [b, c], exit: 75),
    .taken(
        "a recipient never tried counts as temporary (75)", [rcpt(a, 250), rcpt(b, nil)],
        fates: [.accepted, .notTried], refused: [b], exit: 75),
    .taken(
        "not tried next to a permanent refusal (69)", [rcpt(a, nil), rcpt(b, 550)],
        fates: [.notTried, .refusedPermanently], refused: [a, b], exit: 69),
    .taken(
        "a reply outside 2xx-4xx is a permanent refusal", [rcpt(a, 250), rcpt(b, 600)],
        fates: [.accepted, .refusedPermanently], refused: [b], exit: 69),

    // Failed before the end of the data: nothing was delivered.
    .failed(
        "554 at the greeting: permanent, nobody tried", failure(.rejected, reply(554, "5.3.2 go away")),
        fates: [.notTried, .notTried], temporary: false, exit: 69),
    .failed(
        "421 at the greeting: temporary", failure(.rejected, reply(421, "4.3.2 busy")),
        fates: [.notTried, .notTried], temporary: true, exit: 75),
    .failed(
        "MAIL FROM refused (550): permanent", failure(.rejected, reply(550, "5.7.1 sender refused")),
        fates: [.notTried, .notTried], temporary: false, exit: 69),
    .failed(
        "every recipient refused at RCPT (550)", failure(.rejected, reply(550), [rcpt(a, 550), rcpt(b, 551)]),
        fates: [.refusedPermanently, .refusedPermanently], temporary: false, exit: 69),
    .failed(
        "every recipient refused at RCPT (452 too many, one recipient)",
        failure(.rejected, reply(452, "4.5.3 too many"), [rcpt(a, 452, "4.5.3 too many")]), envelope: [a],
        fates: [.refusedTemporarily], temporary: true, exit: 75),
    .failed(
        "the message refused at the end of data (554) after RCPT accepted",
        failure(.rejected, reply(554, "5.7.1 spam"), [rcpt(a, 250), rcpt(b, 550)]),
        fates: [.refusedPermanently, .refusedPermanently], temporary: false, exit: 69),
    .failed(
        "the message refused temporarily at DATA (451) after RCPT accepted",
        failure(.rejected, reply(451, "4.3.0 later"), [rcpt(a, 250), rcpt(b, 250)]),
        fates: [.refusedTemporarily, .refusedTemporarily], temporary: true, exit: 75),
    .failed(
        "connection lost before the end of data", failure(.connectionLost, nil, [rcpt(a, 250), rcpt(b, 550)]),
        fates: [.notTried, .refusedPermanently], temporary: true, exit: 75),
    .failed(
        "timeout before the end of data", failure(.timeout, nil, [rcpt(a, 250), rcpt(b, 250)]),
        fates: [.notTried, .notTried], temporary: true, exit: 75),
    .failed(
        "connection refused: not temporary (69)", failure(.unreachable),
        fates: [.notTried, .notTried], temporary: false, exit: 69),
    .failed(
        "login denied (77)", failure(.loginDenied, reply(535, "5.7.8 bad credentials")),
        fates: [.notTried, .notTried], temporary: false, exit: 77),
    .failed("a bad URL (78)", failure(.badURL), fates: [.notTried, .notTried], temporary: false, exit: 78),
    .failed(
        "the message file unreadable (74)", failure(.messageUnreadable),
        fates: [.notTried, .notTried], temporary: false, exit: 74),
    .failed(
        "TLS, certificates, stopped before the end: other (69)", failure(.other),
        fates: [.notTried, .notTried], temporary: false, exit: 69),
    .failed(
        "guardmail closed before the end of the message (withdrawn): temporary (75)", failure(.withdrawn),
        fates: [.notTried, .notTried], temporary: true, exit: 75),

    // Failed after the whole message was handed over: the server may have it.
    .lost(
        "timeout after the dot, no per-recipient results", failure(.timeout, nil, [], afterData: true),
        fates: [.unknown, .unknown]),
    .lost(
        "timeout after the dot: RCPT refusals stay refused", failure(.timeout, nil, [rcpt(a, 250), rcpt(b, 550)], afterData: true),
        fates: [.unknown, .refusedPermanently]),
    .lost(
        "connection lost after the dot, a temporary RCPT refusal",
        failure(.connectionLost, nil, [rcpt(a, 450), rcpt(b, 250)], afterData: true),
        fates: [.refusedTemporarily, .unknown]),
    .lost(
        "stopped by guardmail after the whole message", failure(.other, nil, [rcpt(a, 250), rcpt(b, 250)], afterData: true),
        fates: [.unknown, .unknown]),
    .lost(
        "guardmail closed while waiting for the answer to the end of data (withdrawn)",
        failure(.withdrawn, nil, [], afterData: true), fates: [.unknown, .unknown]),

    // Nothing tried.
    VerdictCase(
        name: "not started: the configuration, its password command (78)",
        outcome: TransactionOutcome(envelope: [a, b], ending: .notStarted(configuration: true, message: "password_command failed")),
        fates: [.notTried, .notTried], event: .failure(temporary: false, reason: "password_command failed", now: now), exitStatus: 78),
    VerdictCase(
        name: "not started: libcurl could not be set up (69)",
        outcome: TransactionOutcome(envelope: [a, b], ending: .notStarted(configuration: false, message: "curl init failed")),
        fates: [.notTried, .notTried], event: .failure(temporary: false, reason: "curl init failed", now: now), exitStatus: 69)
]

@Suite struct TransactionVerdictTests {
    @Test("each outcome gives its recipients' fates, the machine's event and the exit status", arguments: verdictCases)
    func table(_ row: VerdictCase) {
        let verdict = TransactionVerdict.judge(row.outcome, at: now)
        #expect(verdict.recipients.map(\.address) == row.outcome.envelope)
        #expect(verdict.recipients.map(\.fate) == row.fates)
        #expect(verdict.event == row.event)
        #expect(verdict.exitStatus == row.exitStatus)
    }

    @Test("the event is one the machine takes in submitting, and agrees with the fates", arguments: verdictCases)
    func machineTakesIt(_ row: VerdictCase) throws {
        let verdict = TransactionVerdict.judge(row.outcome, at: now)
        var machine = SendStateMachine(state: .submitting(attempt: 1, recipients: row.outcome.envelope))
        _ = try machine.handle(verdict.event)
        switch machine.state {
        case .sent: #expect(verdict.recipients.allSatisfy { $0.fate == .accepted })
        case .unknown: #expect(verdict.recipients.contains { $0.fate == .unknown })
        default: #expect(verdict.exitStatus != 0)
        }
    }

    @Test("a refusal at RCPT keeps its own reply; after an accepted RCPT the message's refusal decides")
    func decidingReply() {
        let outcome = TransactionOutcome(
            envelope: [a, b],
            ending: .failed(
                failure(.rejected, reply(554, "5.7.1 spam"), [rcpt(a, 250, "ok"), rcpt(b, 550, "no such user")])))
        let verdict = TransactionVerdict.judge(outcome, at: now)
        #expect(verdict.messageRefused)
        #expect(verdict.recipients.map(\.reply) == [reply(554, "5.7.1 spam"), reply(550, "no such user")])
        #expect(verdict.recipients.map(\.rcptReply) == [reply(250, "ok"), reply(550, "no such user")])
        #expect(verdict.recipients.map(\.refusedAtRCPT) == [false, true])
        #expect(verdict.reason == "rejected 554 5.7.1 spam")
    }

    @Test("every recipient refused at RCPT is not a refusal of the message")
    func allRefusedIsNotMessageRefused() {
        let outcome = TransactionOutcome(envelope: [a, b], ending: .failed(failure(.rejected, reply(550), [rcpt(a, 550), rcpt(b, 550)])))
        #expect(!TransactionVerdict.judge(outcome, at: now).messageRefused)
    }

    @Test("recipients the failure does not name follow those it names, in envelope order")
    func completesTheEnvelope() {
        let outcome = TransactionOutcome(envelope: [a, b, c], ending: .failed(failure(.timeout, nil, [rcpt(b, 250)], afterData: true)))
        let verdict = TransactionVerdict.judge(outcome, at: now)
        #expect(verdict.recipients.map(\.address) == [b, a, c])
        #expect(verdict.recipients.map(\.fate) == [.unknown, .unknown, .unknown])
    }

    @Test("the server's acceptance has no reason; a failure's reason is its message")
    func reason() {
        let taken = TransactionOutcome(envelope: [a], ending: .taken(recipients: [rcpt(a, 250)]))
        #expect(TransactionVerdict.judge(taken, at: now).reason == nil)
        let failed = TransactionOutcome(envelope: [a], ending: .failed(failure(.timeout, nil, afterData: true)))
        #expect(TransactionVerdict.judge(failed, at: now).reason == "timeout ")
    }

    @Test(
        "exit statuses of a failure before the data: temporary is 75 whatever the kind",
        arguments: TransactionFailure.Kind.allCases, [false, true])
    func exitStatusTable(_ kind: TransactionFailure.Kind, temporary: Bool) {
        let expected: Int32 = temporary ? 75 : [.loginDenied: 77, .badURL: 78, .messageUnreadable: 74][kind] ?? 69
        #expect(TransactionVerdict.exitStatus(kind, temporary: temporary) == expected)
    }

    @Test("which failures are temporary", arguments: TransactionFailure.Kind.allCases, [nil, 421, 452, 550, 554])
    func temporary(_ kind: TransactionFailure.Kind, code: Int?) {
        let failure = TransactionFailure(kind: kind, message: "m", reply: code.map { reply($0) })
        let expected =
            kind == .timeout || kind == .connectionLost || kind == .withdrawn
            || (kind == .rejected && (400..<500).contains(code ?? 0))
        #expect(failure.isTemporary == expected)
    }

    @Test(
        "452 means too many recipients unless its enhanced code says otherwise",
        arguments: [
            (452, "4.5.3 Too many recipients", true),
            (452, "Too many recipients", true),
            (452, "too many recipients, slow down", true),
            (452, "", true),
            (452, "try fewer", true),
            (452, "4.2.2 Mailbox full", false),
            (452, "4.3.1 insufficient system storage", false),
            (451, "4.5.3 too many recipients", false),
            (550, "too many recipients", false)
        ])
    func tooManyRecipients(_ code: Int, _ text: String, _ expected: Bool) {
        #expect(reply(code, text).isTooManyRecipients == expected)
    }
}
