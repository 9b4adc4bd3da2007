import Testing
import Workflow

@Suite struct PartialSendTests {
    @Test("a retry after a partial send goes only to the refused, until everyone has it")
    func retryOnlyRefused() throws {
        var machine = SendStateMachine(state: .submitting(attempt: 1, recipients: everyone))
        try run(&machine, .submitted(refused: [bob, boss], now: t(1)))
        #expect(machine.state == .partiallySent(refused: [bob, boss], at: t(1)))
        #expect(machine.state.pendingRecipients == [bob, boss])

        let retry = try run(&machine, .release)
        #expect(retry == [.markSubmittingDurably, .submit(recipients: [bob, boss])])

        try run(&machine, .submitted(refused: [boss], now: t(2)))
        #expect(machine.state == .partiallySent(refused: [boss], at: t(2)))
        #expect(try run(&machine, .release) == [.markSubmittingDurably, .submit(recipients: [boss])])

        try run(&machine, .submitted(refused: [], now: t(3)))
        #expect(machine.state == .sent(at: t(3)))
        #expect(machine.state.isFinished)
    }

    @Test("a temporary failure during the retry of the refused retries them only")
    func temporaryDuringPartialRetry() throws {
        var machine = SendStateMachine(state: .partiallySent(refused: [bob], at: t(0)))
        try run(&machine, .release, .failure(temporary: true, reason: "421", now: t(5)))
        #expect(machine.state == .failedTemporarily(reason: "421", attempt: 1, retryAt: t(35), recipients: [bob]))
        #expect(try machine.handle(.tick(now: t(35))) == [.markSubmittingDurably, .submit(recipients: [bob])])
        #expect(machine.state == .submitting(attempt: 2, recipients: [bob]))
    }

    @Test("when the retry to the refused is refused again, it fails rather than claiming a partial send")
    func refusedAgain() throws {
        var machine = SendStateMachine(state: .partiallySent(refused: [bob], at: t(0)))
        try run(&machine, .release, .submitted(refused: ["Bob@Example.com"], now: t(5)))
        #expect(machine.state == .failedPermanently(reason: "every recipient was refused: \(bob)", recipients: [bob]))
        #expect(try run(&machine, .release) == [.markSubmittingDurably, .submit(recipients: [bob])])
    }

    @Test(
        "the server refusing an address we did not submit to is an error; the state stays",
        arguments: [
            SendState.submitting(attempt: 1, recipients: everyone),
            .submitting(attempt: 2, recipients: [bob])
        ])
    func unknownRefusal(_ state: SendState) {
        var machine = SendStateMachine(state: state)
        let stranger = state.pendingRecipients == everyone ? "mallory@example.net" : hanako
        #expect(throws: SendInputError.refusedUnknownRecipient(address: stranger, attempted: state.pendingRecipients!)) {
            try machine.handle(.submitted(refused: [stranger], now: t(1)))
        }
        #expect(machine.state == state)
        let message = "\(SendInputError.refusedUnknownRecipient(address: stranger, attempted: [bob]))"
        #expect(message == "the server refused \(stranger), which was not a recipient of this attempt (\(bob))")
    }

    @Test("discarding a partial send sends nothing more")
    func discard() throws {
        var machine = SendStateMachine(state: .partiallySent(refused: [bob], at: t(0)))
        #expect(try run(&machine, .discard) == [.recordState, .removeFromOutbox])
        #expect(machine.state == .discarded && machine.state.isFinished)
        #expect(!machine.isLegal(.release))
    }
}
