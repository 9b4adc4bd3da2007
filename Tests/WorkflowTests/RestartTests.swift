import Foundation
import Testing
import Workflow

@Suite struct RestartTests {
    @Test("a message found holding after a restart waits for the user, however late it is")
    func interruptedHold() throws {
        var machine = SendStateMachine(state: .holding(releaseAt: t(100), recipients: everyone))
        #expect(try machine.handle(.restarted) == [.recordState])
        #expect(machine.state == .interrupted(recipients: everyone))
        #expect(machine.state.deadline == nil)
        for late in [100.0, 101, 3_600, 2_592_000] {
            #expect(try machine.handle(.tick(now: t(late))) == [])
        }
        #expect(machine.state == .interrupted(recipients: everyone))
    }

    @Test("a message found submitting after a restart is unknown and never resent automatically")
    func unknownAfterSubmitting() throws {
        var machine = SendStateMachine(state: .submitting(attempt: 3, recipients: [bob]))
        #expect(try machine.handle(.restarted) == [.recordState])
        #expect(machine.state == .unknown(recipients: [bob]))
        #expect(try machine.handle(.tick(now: t(1e9))) == [])
        #expect(!machine.isLegal(.submitted(refused: [], now: t(1))))
        #expect(!machine.isLegal(.edit))
        // Releasing is the user's deliberate re-send, to the same recipients.
        #expect(try machine.handle(.release) == [.markSubmittingDurably, .submit(recipients: [bob])])
        #expect(machine.state == .submitting(attempt: 1, recipients: [bob]))
    }

    @Test("retries stop with guardmail: a message waiting to retry is interrupted by a restart")
    func retryInterrupted() throws {
        var machine = SendStateMachine(state: .failedTemporarily(reason: "421", attempt: 2, retryAt: t(50), recipients: [boss]))
        try run(&machine, .restarted, .tick(now: t(50)), .tick(now: t(5_000)))
        #expect(machine.state == .interrupted(recipients: [boss]))
    }

    @Test(
        "fail closed: after a restart nothing is submitted except by the user's release",
        arguments: [
            SendState.holding(releaseAt: t(100), recipients: everyone),
            .submitting(attempt: 1, recipients: everyone),
            .failedTemporarily(reason: "421", attempt: 1, retryAt: t(100), recipients: everyone)
        ])
    func failClosed(_ before: SendState) throws {
        var restarted = SendStateMachine(state: before)
        try run(&restarted, .restarted)
        for event in sampleEvents where restarted.isLegal(event) {
            var machine = restarted
            let actions = try machine.handle(event)
            let submits = actions.contains { if case .submit = $0 { true } else { false } }
            #expect(submits == (event == .release), "\(event) after a restart from \(before.kind)")
        }
    }

    @Test(
        "an interrupted message offers release, edit and discard",
        arguments: [
            (
                SendEvent.release, SendState.submitting(attempt: 1, recipients: everyone),
                [SendAction.markSubmittingDurably, .submit(recipients: everyone)]
            ),
            (.edit, .editing, [.restoreComposer, .recordState, .removeFromOutbox]),
            (.discard, .discarded, [.recordState, .removeFromOutbox])
        ])
    func choices(event: SendEvent, state: SendState, actions: [SendAction]) throws {
        var machine = SendStateMachine(state: .interrupted(recipients: everyone))
        #expect(try machine.handle(event) == actions)
        #expect(machine.state == state)
    }

    @Test(
        "a state that already waits for the user, or is finished, is unchanged by a restart",
        arguments: sampleStates.filter { [.sent, .partiallySent, .failedPermanently, .unknown, .interrupted, .discarded].contains($0.kind) })
    func unchanged(_ state: SendState) throws {
        var machine = SendStateMachine(state: state)
        #expect(try machine.handle(.restarted) == [])
        #expect(machine.state == state)
    }

    @Test("a state written to a journal and read back rebuilds the machine", arguments: sampleStates)
    func journalRoundTrip(_ state: SendState) throws {
        let data = try JSONEncoder().encode(state)
        let read = try JSONDecoder().decode(SendState.self, from: data)
        #expect(read == state)
    }
}
