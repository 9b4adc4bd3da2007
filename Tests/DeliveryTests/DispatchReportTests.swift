import Testing
import Workflow
@testable import Delivery

/// The one mapping from how a dispatch ended to its outcome, exit status and sentences
/// (`DispatchReport.summary`), case by case, without a dispatcher.
@Suite("DispatchReport: outcome, exit status and words of every ending")
struct DispatchReportTests {
    static let now = Instant(seconds: 1_000_000)
    static let ok = ServerReply(code: 250, text: "2.1.5 OK")
    static let noUser = ServerReply(code: 550, text: "5.1.1 no such user")
    static let busy = ServerReply(code: 451, text: "4.3.0 try later")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var ending: DispatchReport.Ending
        var outcome: DispatchReport.Outcome
        var exitStatus: Int32
        var lines: [String]
        var testDescription: String { name }
    }

    static func taken(_ replies: [(String, ServerReply?)]) -> TransactionVerdict {
        TransactionVerdict.judge(
            TransactionOutcome(
                envelope: replies.map(\.0), ending: .taken(recipients: replies.map { RecipientReply(address: $0.0, reply: $0.1) })),
            at: now)
    }

    static func failed(_ failure: TransactionFailure, envelope: [String]) -> TransactionVerdict {
        TransactionVerdict.judge(TransactionOutcome(envelope: envelope, ending: .failed(failure)), at: now)
    }

    static let two = ["bob@example.com", "carol@example.com"]

    static let cases: [Case] = [
        Case(
            name: "every recipient accepted",
            ending: .attempt(taken([("bob@example.com", ok), ("carol@example.com", ok)]), after: .sent(at: now), envelope: two),
            outcome: .sent, exitStatus: 0,
            lines: ["accepted: bob@example.com", "accepted: carol@example.com", "sent <m@x> to 2 recipients"]),
        Case(
            name: "the one recipient accepted (singular)",
            ending: .attempt(taken([("bob@example.com", ok)]), after: .sent(at: now), envelope: ["bob@example.com"]),
            outcome: .sent, exitStatus: 0, lines: ["accepted: bob@example.com", "sent <m@x> to 1 recipient"]),
        Case(
            name: "one of two refused for good",
            ending: .attempt(
                taken([("bob@example.com", ok), ("carol@example.com", noUser)]),
                after: .partiallySent(refused: ["carol@example.com"], at: now), envelope: two),
            outcome: .partiallySent(refused: ["carol@example.com"]), exitStatus: 69,
            lines: [
                "accepted: bob@example.com", "refused: carol@example.com: 550 5.1.1 no such user",
                "sent <m@x> to 1 of 2 recipients; 1 refused — kept in the outbox as ID1 to retry them"
            ]),
        Case(
            name: "one of two refused for now",
            ending: .attempt(
                taken([("bob@example.com", ok), ("carol@example.com", busy)]),
                after: .partiallySent(refused: ["carol@example.com"], at: now), envelope: two),
            outcome: .partiallySent(refused: ["carol@example.com"]), exitStatus: 75,
            lines: [
                "accepted: bob@example.com", "refused: carol@example.com: 451 4.3.0 try later",
                "sent <m@x> to 1 of 2 recipients; 1 refused — kept in the outbox as ID1 to retry them"
            ]),
        Case(
            name: "every recipient refused",
            ending: .attempt(
                taken([("bob@example.com", noUser), ("carol@example.com", noUser)]),
                after: .failedPermanently(reason: "every recipient was refused", recipients: two), envelope: two),
            outcome: .failedPermanently, exitStatus: 69,
            lines: ["refused: bob@example.com: 550 5.1.1 no such user", "refused: carol@example.com: 550 5.1.1 no such user"]),
        Case(
            name: "the server named a recipient we did not send to (the machine made it a failure)",
            ending: .attempt(
                taken([("bob@example.com", ok), ("mallory@example.com", noUser)]),
                after: .failedPermanently(reason: "the server refused mallory@example.com", recipients: ["bob@example.com"]),
                envelope: ["bob@example.com"]),
            outcome: .failedPermanently, exitStatus: 69,
            lines: ["accepted: bob@example.com", "refused: mallory@example.com: 550 5.1.1 no such user"]),
        Case(
            name: "a timeout: retried later",
            ending: .attempt(
                failed(TransactionFailure(kind: .timeout, message: "the server did not answer within 60 s"), envelope: two),
                after: .failedTemporarily(reason: "timeout", attempt: 1, retryAt: now + 30, recipients: two), envelope: two),
            outcome: .failedTemporarily(retryAt: now + 30), exitStatus: 75, lines: ["the server did not answer within 60 s"]),
        Case(
            name: "the login refused",
            ending: .attempt(
                failed(TransactionFailure(kind: .loginDenied, message: "the server refused the login"), envelope: two),
                after: .failedPermanently(reason: "the server refused the login", recipients: two), envelope: two),
            outcome: .failedPermanently, exitStatus: 77, lines: ["the server refused the login"]),
        Case(
            name: "the message refused at the end of data",
            ending: .attempt(
                failed(
                    TransactionFailure(
                        kind: .rejected, message: "the server refused the message: 554 5.7.1 spam",
                        reply: ServerReply(code: 554, text: "5.7.1 spam"),
                        recipients: [RecipientReply(address: "bob@example.com", reply: ok)]), envelope: ["bob@example.com"]),
                after: .failedPermanently(reason: "spam", recipients: ["bob@example.com"]), envelope: ["bob@example.com"]),
            outcome: .failedPermanently, exitStatus: 69, lines: ["the server refused the message: 554 5.7.1 spam"]),
        Case(
            name: "the connection broke after the data: unknown",
            ending: .attempt(
                failed(TransactionFailure(kind: .connectionLost, message: "the connection broke", afterData: true), envelope: two),
                after: .unknown(recipients: two), envelope: two),
            outcome: .unknown, exitStatus: 75, lines: ["the connection broke"]),
        Case(
            name: "the account could not be set up",
            ending: .attempt(
                TransactionVerdict.judge(
                    TransactionOutcome(envelope: two, ending: .notStarted(configuration: true, message: "no account named 'x'")),
                    at: now),
                after: .failedPermanently(reason: "no account named 'x'", recipients: two), envelope: two),
            outcome: .failedPermanently, exitStatus: 78, lines: ["no account named 'x'"]),
        Case(
            name: "the outbox could not record 'submitting'",
            ending: .notMarkedSubmitting(reason: "the disk is full"), outcome: .failedPermanently, exitStatus: 74,
            lines: ["not sent: the disk is full", "kept in the outbox as ID1: `guardmail outbox release ID1` sends it once this is fixed"]),
        Case(
            name: "the outbox could not be locked or read",
            ending: .outboxUnavailable(reason: "permission denied"), outcome: .failedPermanently, exitStatus: 74,
            lines: ["not sent: permission denied"]),
        Case(
            name: "the entry is not what was confirmed",
            ending: .refusedUnconfirmed(reason: "'x@y' is not among the recipients confirmed"), outcome: .failedPermanently, exitStatus: 65,
            lines: ["not sent: 'x@y' is not among the recipients confirmed"]),
        Case(
            name: "cancelled from another terminal", ending: .cancelledElsewhere, outcome: .cancelledElsewhere, exitStatus: 0,
            lines: ["cancelled with guardmail outbox cancel; nothing was sent"]),
        Case(
            name: "Ctrl-C during the hold", ending: .cancelledByInterrupt, outcome: .undone, exitStatus: 130,
            lines: ["cancelled ID1 with Ctrl-C; nothing was sent"]),
        Case(
            name: "left the outbox unexplained", ending: .leftOutbox, outcome: .cancelledElsewhere, exitStatus: 0,
            lines: ["ID1 left the outbox; nothing was sent by this command"]),
        Case(
            name: "handed to the submission thread", ending: .handedOver(recipients: 1), outcome: .sending, exitStatus: 0,
            lines: ["sending <m@x> to 1 recipient…"]),
        Case(
            name: "taken back from the submission thread before the end of the message",
            ending: .withdrawn(reason: "guardmail was closed", mayHaveArrived: false), outcome: .interrupted, exitStatus: 75,
            lines: ["ID1: guardmail was closed: it stays in the outbox as interrupted (guardmail outbox release ID1 sends it)"]),
        Case(
            name: "taken back after the whole message was handed over",
            ending: .withdrawn(reason: "guardmail was closed", mayHaveArrived: true), outcome: .unknown, exitStatus: 75,
            lines: ["ID1: guardmail was closed: it stays in the outbox as unknown and is never resent on its own (guardmail outbox show ID1)"])
    ]

    @Test("each ending's outcome, exit status and lines", arguments: cases)
    func summary(_ c: Case) {
        let summary = DispatchReport.summary(c.ending, id: "ID1", messageID: "<m@x>")
        #expect(summary.outcome == c.outcome)
        #expect(summary.exitStatus == c.exitStatus)
        #expect(summary.lines == c.lines)
    }

    @Test("the journal's warnings come after the ending's own lines")
    func warningsLast() {
        let report = DispatchReport(id: "ID1", messageID: "<m@x>", ending: .cancelledElsewhere, warnings: ["warning: busy"])
        #expect(report.lines == ["cancelled with guardmail outbox cancel; nothing was sent", "warning: busy"])
        #expect(report.exitStatus == 0)
    }
}
