import Testing
import Workflow

@Suite struct RetryTests {
    @Test("back-off: 30 s, doubling, capped at 15 minutes")
    func backOff() {
        let delays = (1...10).map { RetryPolicy.delay(afterAttempt: $0) }
        #expect(delays == [30, 60, 120, 240, 480, 900, 900, 900, 900, 900])
        #expect(RetryPolicy.delay(afterAttempt: 1_000_000) == 900)
        #expect(RetryPolicy.delay(afterAttempt: Int.max) == 900)
    }

    @Test("a custom back-off", arguments: [(1, 5.0), (2, 10.0), (3, 12.0), (9, 12.0)])
    func custom(attempt: Int, expected: Double) {
        #expect(RetryPolicy(firstDelay: 5, maximumDelay: 12).delay(afterAttempt: attempt) == expected)
    }

    @Test("temporary failures are retried at the back-off times, each attempt numbered, until one succeeds")
    func retrySequence() throws {
        var clock = TestClock(0)
        var machine = SendStateMachine(state: .submitting(attempt: 1, recipients: everyone))
        var waits: [Double] = []
        for attempt in 1...7 {
            clock.advance(by: 2) // the server takes its time
            let failed = try machine.handle(.failure(temporary: true, reason: "421 busy", now: clock.now))
            guard case let .failedTemporarily(reason, failedAttempt, retryAt, recipients) = machine.state else {
                Issue.record("not waiting to retry: \(machine.state)")
                return
            }
            #expect(reason == "421 busy" && failedAttempt == attempt && recipients == everyone)
            #expect(failed == [.recordState])
            #expect(machine.state.deadline == retryAt)
            waits.append(clock.now.seconds(until: retryAt))

            // A tick just before the retry time does nothing; at it, the next attempt goes.
            #expect(try machine.handle(.tick(now: Instant(seconds: retryAt.seconds.nextDown))) == [])
            clock = TestClock(retryAt.seconds)
            let retried = try machine.handle(.tick(now: clock.now))
            #expect(retried == [.markSubmittingDurably, .submit(recipients: everyone)])
            #expect(machine.state == .submitting(attempt: attempt + 1, recipients: everyone))
        }
        #expect(waits == [30, 60, 120, 240, 480, 900, 900])
        try run(&machine, .submitted(refused: [], now: clock.now))
        #expect(machine.state == .sent(at: clock.now))
    }

    @Test("the machine's retry policy decides the waits")
    func machinePolicy() throws {
        var machine = SendStateMachine(
            state: .submitting(attempt: 2, recipients: [bob]),
            retryPolicy: RetryPolicy(firstDelay: 1, maximumDelay: 4))
        let actions = try machine.handle(.failure(temporary: true, reason: "timeout", now: t(10)))
        #expect(actions == [.recordState])
        #expect(machine.state.deadline == t(12))
    }

    @Test("a permanent failure keeps the server's words and is never retried by the clock")
    func permanent() throws {
        var machine = SendStateMachine(state: .submitting(attempt: 4, recipients: everyone))
        let actions = try machine.handle(.failure(temporary: false, reason: "554 5.7.1 rejected by policy", now: t(10)))
        #expect(actions == [.recordState])
        #expect(machine.state == .failedPermanently(reason: "554 5.7.1 rejected by policy", recipients: everyone))
        #expect(machine.state.deadline == nil)
        for hour in 1...48 {
            #expect(try machine.handle(.tick(now: t(Double(hour) * 3_600))) == [])
        }
        #expect(machine.state.kind == .failedPermanently)
    }

    @Test("retry now during the back-off starts a new series")
    func retryNow() throws {
        var machine = SendStateMachine(state: .failedTemporarily(reason: "421", attempt: 5, retryAt: t(900), recipients: everyone))
        try run(&machine, .release)
        #expect(machine.state == .submitting(attempt: 1, recipients: everyone))
        try run(&machine, .failure(temporary: true, reason: "421", now: t(10)))
        #expect(machine.state.deadline == t(40))
    }
}
