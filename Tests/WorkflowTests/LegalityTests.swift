import Testing
import Workflow

@Suite struct LegalityTests {
    private var legalPairs: Set<String> {
        Set(transitions.map { "\($0.from.kind) + \($0.event.kind)" })
    }

    @Test("the table has every kind of state and event")
    func complete() {
        #expect(Set(transitions.map(\.from.kind)) == Set(SendState.Kind.allCases))
        #expect(Set(transitions.map(\.event.kind)) == Set(SendEvent.Kind.allCases))
        #expect(Set(sampleStates.map(\.kind)) == Set(SendState.Kind.allCases))
        #expect(Set(sampleEvents.map(\.kind)) == Set(SendEvent.Kind.allCases))
    }

    @Test("a (state, event) pair is legal exactly when the table has it", arguments: SendState.Kind.allCases)
    func legality(_ state: SendState.Kind) {
        for event in SendEvent.Kind.allCases {
            let expected = legalPairs.contains("\(state) + \(event)")
            #expect(SendStateMachine.isLegal(event, in: state) == expected, "\(state) + \(event)")
        }
    }

    @Test("legality depends on the kinds, not on the values carried")
    func valuesDoNotMatter() {
        for state in sampleStates {
            let machine = SendStateMachine(state: state)
            for event in sampleEvents {
                #expect(machine.isLegal(event) == SendStateMachine.isLegal(event.kind, in: state.kind))
            }
        }
    }

    @Test("48 of the 180 pairs are legal")
    func count() {
        let legal = SendState.Kind.allCases.flatMap { state in
            SendEvent.Kind.allCases.filter { SendStateMachine.isLegal($0, in: state) }
        }
        #expect(legal.count == 48)
        #expect(legalPairs.count == 48)
    }

    @Test("every legal sample pair is handled without trapping")
    func handledWhenLegal() throws {
        for state in sampleStates {
            for event in sampleEvents where SendStateMachine.isLegal(event.kind, in: state.kind) {
                var machine = SendStateMachine(state: state)
                _ = try machine.handle(event)
            }
        }
    }
}

@Suite struct IllegalEventTests {
    @Test("undo outside a hold stops the program, naming the state and the event")
    func undoWhileEditing() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var machine = SendStateMachine(state: .editing)
            _ = try? machine.handle(.undo(now: Instant(seconds: 1)))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("illegal event undo(now: Workflow.Instant(seconds: 1.0)) in state editing"), "\(stderr)")
    }

    @Test("a second server answer after the message was sent stops the program")
    func answerAfterSent() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var machine = SendStateMachine(state: .sent(at: Instant(seconds: 5)))
            _ = try? machine.handle(.submitted(refused: [], now: Instant(seconds: 6)))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("illegal event submitted"), "\(stderr)")
        #expect(stderr.contains("in state sent"), "\(stderr)")
    }

    @Test("a restart never finds a message being edited")
    func restartWhileEditing() async {
        await #expect(processExitsWith: .failure) {
            var machine = SendStateMachine(state: .editing)
            _ = try? machine.handle(.restarted)
        }
    }

    @Test("freezing a message without recipients stops the program")
    func freezeWithoutRecipients() async {
        await #expect(processExitsWith: .failure) {
            var machine = SendStateMachine(state: .confirming)
            _ = try? machine.handle(.freeze(recipients: [], holdSeconds: 10, now: Instant(seconds: 0)))
        }
    }
}
