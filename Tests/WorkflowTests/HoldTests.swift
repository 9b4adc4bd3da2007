import Testing
import Workflow

@Suite struct HoldTests {
    @Test("a test clock drives a 60 s hold to its end with ticks; nothing goes before the end")
    func countdown() throws {
        var clock = TestClock(1_000)
        var machine = SendStateMachine()
        try run(&machine, .confirm)
        let hold = 60 // the external default; the lengths come from the policy (PolicyConfig)
        let frozen = try machine.handle(.freeze(recipients: everyone, holdSeconds: hold, now: clock.now))
        #expect(frozen == [.writeOutbox])
        #expect(machine.state.deadline == t(1_060))

        var ticks = 0
        while true {
            clock.advance(by: 0.5)
            ticks += 1
            let expectedRemaining = 60 - 0.5 * Double(ticks)
            #expect(machine.remaining(at: clock.now) == expectedRemaining)
            let actions = try machine.handle(.tick(now: clock.now))
            if expectedRemaining > 0 {
                #expect(actions == [])
                #expect(machine.state == .holding(releaseAt: t(1_060), recipients: everyone))
            } else {
                #expect(actions == [.markSubmittingDurably, .submit(recipients: everyone)])
                #expect(machine.state == .submitting(attempt: 1, recipients: everyone))
                break
            }
        }
        #expect(ticks == 120)
        #expect(clock.now == t(1_060))
        #expect(machine.remaining(at: clock.now) == nil)
    }

    @Test("undo at the last instant before the release time wins, with the message intact")
    func undoAtLastInstant() throws {
        var machine = SendStateMachine(state: .holding(releaseAt: t(10), recipients: everyone))
        let lastInstant = Instant(seconds: 10.0.nextDown)
        #expect(machine.remaining(at: lastInstant)! > 0)
        let actions = try machine.handle(.undo(now: lastInstant))
        #expect(machine.state == .editing)
        #expect(actions == [.restoreComposer, .recordState, .removeFromOutbox])
    }

    @Test(
        "at the release time the hold is over: undo loses and the tick sends",
        arguments: [
            SendEvent.undo(now: Instant(seconds: 10)), .tick(now: Instant(seconds: 10))
        ])
    func atTheDeadline(_ event: SendEvent) throws {
        var machine = SendStateMachine(state: .holding(releaseAt: t(10), recipients: everyone))
        #expect(machine.remaining(at: t(10)) == 0)
        let actions = try machine.handle(event)
        #expect(machine.state == .submitting(attempt: 1, recipients: everyone))
        #expect(actions == [.markSubmittingDurably, .submit(recipients: everyone)])
        // The tick that follows a losing undo changes nothing.
        #expect(try machine.handle(.tick(now: t(10))) == [])
    }

    @Test("releasing early sends at once")
    func releaseEarly() throws {
        var machine = SendStateMachine()
        try run(&machine, .confirm, .freeze(recipients: [boss], holdSeconds: 10, now: t(0)), .tick(now: t(3)))
        let actions = try machine.handle(.release)
        #expect(actions == [.markSubmittingDurably, .submit(recipients: [boss])])
        #expect(machine.state == .submitting(attempt: 1, recipients: [boss]))
    }

    @Test("after an undo the message can be confirmed again and gets a fresh hold")
    func undoThenSendAgain() throws {
        var machine = SendStateMachine()
        try run(&machine, .confirm, .freeze(recipients: everyone, holdSeconds: 60, now: t(0)), .undo(now: t(30)))
        #expect(machine.state == .editing)
        let actions = try run(&machine, .confirm, .freeze(recipients: [hanako], holdSeconds: 10, now: t(100)))
        #expect(actions == [.writeOutbox])
        #expect(machine.remaining(at: t(100)) == 10)
        #expect(machine.state.pendingRecipients == [hanako])
    }

    @Test(
        "remaining time is the hold's only; never negative",
        arguments: [
            (t(0), 60.0), (t(17.25), 42.75), (t(60), 0.0), (t(75), 0.0), (t(-5), 65.0)
        ])
    func remaining(now: Instant, expected: Double) {
        let machine = SendStateMachine(state: .holding(releaseAt: t(60), recipients: everyone))
        #expect(machine.remaining(at: now) == expected)
    }

    @Test("no remaining time outside a hold", arguments: sampleStates.filter { $0.kind != .holding })
    func noRemaining(_ state: SendState) {
        #expect(SendStateMachine(state: state).remaining(at: t(0)) == nil)
    }
}
