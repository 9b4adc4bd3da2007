import Testing
import Transport
import Workflow
@testable import Delivery

/// The transport's results restated as Workflow's `TransactionOutcome`: nothing of what the
/// verdict needs is lost, and the verdict says of every transport error what the transport's
/// own `isTemporary` and `Delivery.exitStatus(for:)` say.
@Suite("Transport results as a TransactionOutcome")
struct TransactionOutcomeConversionTests {
    static let kinds: [TransportError.Kind] = [
        .badURL, .connectionRefused, .cannotConnect, .cannotResolve, .timeout, .connectionLost, .certificateUntrusted,
        .hostnameMismatch, .caFileUnreadable, .tlsFailed, .startTLSNotOffered, .authNotOffered, .loginDenied, .rejected,
        .messageUnreadable, .stopped, .other
    ]

    @Test("temporary and the exit status agree with the transport for every kind and reply", arguments: kinds, [nil, 421, 452, 535, 554])
    func agreesWithTransport(_ kind: TransportError.Kind, code: Int?) {
        let error = TransportError(kind, "words", reply: code.map { SMTPReply(code: $0, text: "text") })
        let failure = TransactionFailure(error)
        #expect(failure.isTemporary == error.isTemporary)
        let verdict = TransactionVerdict.judge(TransactionOutcome(.failure(error), envelope: ["a@example.com"]), at: Instant(seconds: 1))
        #expect(verdict.exitStatus == Delivery.exitStatus(for: error))
        #expect(verdict.event == .failure(temporary: error.isTemporary, reason: "words", now: Instant(seconds: 1)))
    }

    @Test("the per-recipient replies, the reply and after-data are carried over")
    func carriesEverything() {
        var error = TransportError(
            .timeout, "no answer", reply: SMTPReply(code: 250, text: "data ok"),
            recipients: [
                RecipientResult(address: "a@example.com", reply: SMTPReply(code: 250, text: "ok")),
                RecipientResult(address: "b@example.com", reply: nil)
            ])
        error.afterData = true
        let failure = TransactionFailure(error)
        #expect(failure.kind == .timeout && failure.afterData && failure.message == "no answer")
        #expect(failure.reply == ServerReply(code: 250, text: "data ok"))
        #expect(
            failure.recipients == [
                RecipientReply(address: "a@example.com", reply: ServerReply(code: 250, text: "ok")),
                RecipientReply(address: "b@example.com", reply: nil)
            ])
    }

    @Test("a submission not started: configuration (78) or the rest (69), as send exits")
    func notStarted() {
        let config = TransactionVerdict.judge(
            TransactionOutcome(.notStarted(DeliveryError(.config, "bad")), envelope: ["a@example.com"]), at: Instant(seconds: 1))
        #expect(config.exitStatus == 78)
        let other = TransactionVerdict.judge(
            TransactionOutcome(.notStarted(DeliveryError(.transport(.other, temporary: false), "curl")), envelope: ["a@example.com"]),
            at: Instant(seconds: 1))
        #expect(other.exitStatus == 69)
        #expect(other.event == .failure(temporary: false, reason: "curl", now: Instant(seconds: 1)))
    }
}
