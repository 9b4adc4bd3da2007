import Testing
@testable import Workflow

@Suite struct RecipientKeyMatchTests {
    @Test("a refusal echoed in another case matches our recipient, reported in our spelling")
    func caseInsensitive() throws {
        let ours = ["Bob@X.example", "hanako@example.jp"]
        #expect(try SendStateMachine.match(refused: ["bob@x.example"], among: ours) == ["Bob@X.example"])
        var machine = SendStateMachine(state: .submitting(attempt: 1, recipients: ours))
        try run(&machine, .submitted(refused: ["BOB@X.EXAMPLE"], now: t(1)))
        #expect(machine.state == .partiallySent(refused: ["Bob@X.example"], at: t(1)))
    }

    @Test("a refusal naming the Unicode form of our A-label domain matches, and the other way round")
    func idn() throws {
        #expect(
            try SendStateMachine.match(refused: ["user@例え.jp"], among: ["user@xn--r8jz45g.jp", bob])
                == ["user@xn--r8jz45g.jp"])
        #expect(try SendStateMachine.match(refused: ["USER@XN--R8JZ45G.JP"], among: ["user@例え.jp"]) == ["user@例え.jp"])
    }

    @Test("another local part is not ours, in any case")
    func stranger() {
        #expect(throws: SendInputError.refusedUnknownRecipient(address: "Bob2@x.example", attempted: ["bob@x.example"])) {
            try SendStateMachine.match(refused: ["Bob2@x.example"], among: ["bob@x.example"])
        }
    }
}
