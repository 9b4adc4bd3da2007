import MailCore
import Testing
import Policy
@testable import TUI

/// The composer's reducer on its own: events in, state and effects out, no terminal, no clock.
/// The test plays the session's part (the dispatcher's answers are events it passes in).
@Suite("Composer reducer: screens, keys and the dispatcher's answers")
struct ComposerReducerTests {
    static func composing(to: String = "hanako@example.jp") -> ComposerState {
        var model = ComposeModel(from: "taro@example.jp", accountName: "a", to: to, subject: "Figures", body: "Hello\n")
        model.mode = .command
        var state = ComposerState(model: model, width: 80, height: 24)
        _ = ComposerReducer.reduce(&state, .dispatcherOpened(problem: nil))
        return state
    }

    /// A state with `ids` frozen and on the hold screen.
    static func holding(_ ids: [String]) -> ComposerState {
        var state = composing()
        _ = ComposerReducer.reduce(&state, .owned(ids.map { OwnedMessage(id: $0, kind: .holding) }))
        _ = ComposerReducer.reduce(&state, .frozen(ids: ids, problem: nil))
        return state
    }

    @Test("y asks for a review; the reviewed screen shows; q goes back to the message in command mode")
    func reviewAndBack() {
        var state = Self.composing()
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.review(.asWritten)])
        #expect(state.screen == .compose)
        let confirm = ConfirmModel(
            from: "taro@example.jp", recipients: [], isInternal: { _ in true }, companies: [:], attachments: [], findings: [],
            holdSeconds: 10, mode: .asWritten)
        #expect(state.checking == state.model.revision)
        #expect(ComposerReducer.reduce(&state, .reviewed(confirm, classifier: DomainClassifier(patterns: []), revision: state.model.revision)) == [.draw])
        #expect(state.checking == nil)
        #expect(state.screen.kind == .confirm)
        #expect(ComposerReducer.reduce(&state, .key(.char("q"))).isEmpty)
        #expect(state.screen == .compose)
        #expect(state.model.status == StatusMessage("Not sent; back to the message."))
    }

    static let emptyConfirm = ConfirmModel(
        from: "taro@example.jp", recipients: [], isInternal: { _ in true }, companies: [:], attachments: [], findings: [],
        holdSeconds: 10, mode: .asWritten)

    @Test("while the message is checked: y again waits for the same check, Esc stops it and its late answer is not shown")
    func checkRunning() {
        var state = Self.composing()
        let revision = state.model.revision
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.review(.asWritten)])
        #expect(state.checking == revision)
        // y again: the same message is already being checked.
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))).isEmpty)
        #expect(state.model.status == StatusMessage("Still checking the message… (Esc stops)"))
        #expect(ComposerReducer.reduce(&state, .key(.escape)) == [.cancelCheck])
        #expect(state.checking == nil)
        #expect(state.model.status == StatusMessage("Check stopped; nothing was sent."))
        // The stopped check's answer comes anyway: ignored.
        #expect(ComposerReducer.reduce(&state, .reviewed(Self.emptyConfirm, classifier: DomainClassifier(patterns: []), revision: revision)).isEmpty)
        #expect(state.screen == .compose)
        #expect(ComposerReducer.reduce(&state, .checkFailed(StatusMessage("Cannot send: x", isError: true), revision: revision)).isEmpty)
        #expect(state.model.status == StatusMessage("Check stopped; nothing was sent."))
        // Esc with no check running does what it did before: nothing.
        #expect(ComposerReducer.reduce(&state, .key(.escape)).isEmpty)
    }

    @Test("an answer for a message that changed while it was checked is not shown: y checks again")
    func checkedMessageChanged() {
        var state = Self.composing()
        let revision = state.model.revision
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        // Editing while the check runs: Tab into To, a character typed.
        _ = ComposerReducer.reduce(&state, .key(.tab))
        _ = ComposerReducer.reduce(&state, .key(.char("X")))
        _ = ComposerReducer.reduce(&state, .key(.escape))
        #expect(state.model.revision != revision)
        #expect(ComposerReducer.reduce(&state, .reviewed(Self.emptyConfirm, classifier: DomainClassifier(patterns: []), revision: revision)) == [.draw])
        #expect(state.screen == .compose)
        #expect(state.checking == nil)
        #expect(state.model.status == StatusMessage("The message changed while it was being checked; y checks it again."))
    }

    @Test("a check that fails says why, once; a new y starts a new check")
    func checkFails() {
        var state = Self.composing()
        let revision = state.model.revision
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        let problem = StatusMessage("Cannot send: 'a.pdf': no such file or directory", isError: true)
        #expect(ComposerReducer.reduce(&state, .checkFailed(problem, revision: revision)) == [.draw])
        #expect(state.model.status == problem)
        #expect(state.checking == nil)
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.review(.asWritten)])
    }

    @Test("pasted text on the confirmation screen runs no key: the y in it does not send")
    func pasteOnConfirm() {
        var state = Self.composing()
        let confirm = ConfirmModel(
            from: "taro@example.jp", recipients: [], isInternal: { _ in true }, companies: [:], attachments: [], findings: [],
            holdSeconds: 10, mode: .asWritten)
        // The screen shows for the check `y` asked for (an answer nobody asked for is not shown).
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        _ = ComposerReducer.reduce(&state, .reviewed(confirm, classifier: DomainClassifier(patterns: []), revision: state.model.revision))
        #expect(ComposerReducer.reduce(&state, .key(.paste("y"))).isEmpty)
        guard case .confirm(let screen) = state.screen else {
            Issue.record("left the confirmation screen")
            return
        }
        #expect(screen.status == StatusMessage("Pasted text is ignored on this screen.", isError: true))
        // y typed (not pasted) sends: the screen goes and the message is frozen.
        var typed = screen
        typed.status = nil
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.freeze(typed)])
        #expect(state.screen == .compose)
    }

    @Test("frozen: the hold screen; u undoes every message of the confirmation; undone brings the composer back")
    func holdAndUndo() {
        var state = Self.holding(["m1", "m2"])
        #expect(state.screen == .hold)
        #expect(ComposerReducer.reduce(&state, .key(.char("u"))) == [.undo(["m1", "m2"])])
        _ = ComposerReducer.reduce(&state, .owned([]))
        _ = ComposerReducer.reduce(&state, .undone(restored: true, problems: [], tooLateLine: nil))
        #expect(state.screen == .compose)
        #expect(state.holding.isEmpty)
        #expect(state.model.status == StatusMessage("Undone: nothing was sent. The message is back as it was."))
    }

    @Test("u once the message is being sent: too late, nothing undone; other keys show the hold screen's keys")
    func holdKeys() {
        var state = Self.holding(["m1"])
        #expect(ComposerReducer.reduce(&state, .key(.char("x"))).isEmpty)
        #expect(state.holdStatus == StatusMessage("u undo · c write another · o outbox · S send now"))
        _ = ComposerReducer.reduce(&state, .owned([OwnedMessage(id: "m1", kind: .sending)]))
        #expect(ComposerReducer.reduce(&state, .key(.char("u"))).isEmpty)
        #expect(state.holdStatus == StatusMessage("Too late to undo: the hold is over and the message is being sent.", isError: true))
        #expect(state.screen == .hold)
        // c: a fresh message while it is sent; S: sent now; o: the outbox.
        var other = Self.holding(["m1"])
        #expect(ComposerReducer.reduce(&other, .key(.char("S"))) == [.release(["m1"])])
        #expect(ComposerReducer.reduce(&other, .key(.char("o"))) == [.openOutbox(.browse, status: nil)])
        #expect(ComposerReducer.reduce(&other, .key(.char("c"))) == [.startNewMessage(status: nil)])
        #expect(other.screen == .compose)
    }

    @Test("the held message sent and nothing else waiting: the composer ends with the server's lines")
    func sentEnds() {
        var state = Self.holding(["m1"])
        _ = ComposerReducer.reduce(&state, .owned([]))
        let note = DeliveryNote(id: "m1", outcome: .sent, lines: ["accepted: hanako@example.jp"], status: StatusMessage("Sent."))
        // A note that it is being sent changes nothing.
        #expect(ComposerReducer.reduce(&state, .delivered([DeliveryNote(id: "m1", outcome: .sending, lines: [], status: StatusMessage(""))])).isEmpty)
        #expect(state.screen == .hold)
        #expect(ComposerReducer.reduce(&state, .delivered([note])) == [.finishSent(lines: ["accepted: hanako@example.jp"])])
        // Another message still held: a fresh message with the last line, and the composer goes on.
        var busy = Self.holding(["m1"])
        _ = ComposerReducer.reduce(&busy, .owned([OwnedMessage(id: "m2", kind: .holding)]))
        #expect(ComposerReducer.reduce(&busy, .delivered([note])) == [.startNewMessage(status: StatusMessage("accepted: hanako@example.jp"))])
        #expect(busy.screen == .compose)
    }

    @Test("a delivery failure on the hold screen: a fresh message and the outbox view with the reason")
    func deliveryFailure() {
        var state = Self.holding(["m1"])
        let refused = StatusMessage("failed: 550 5.1.1 no such user", isError: true)
        _ = ComposerReducer.reduce(&state, .owned([OwnedMessage(id: "m1", kind: .waiting)]))
        let effects = ComposerReducer.reduce(
            &state, .delivered([DeliveryNote(id: "m1", outcome: .other, lines: ["refused: 550"], status: refused)]))
        #expect(effects == [.startNewMessage(status: nil), .openOutbox(.browse, status: refused)])
        #expect(state.holding.isEmpty)
        #expect(state.screen == .compose)
        _ = ComposerReducer.reduce(&state, .outboxOpened(.browse, rows: [], status: refused))
        guard case .outbox(let screen) = state.screen else {
            Issue.record("no outbox view")
            return
        }
        #expect(screen.status == refused)
        // A failure of a message not on screen goes to the status line.
        var writing = Self.composing()
        _ = ComposerReducer.reduce(&writing, .delivered([DeliveryNote(id: "m9", outcome: .other, lines: [], status: refused)]))
        #expect(writing.model.status == refused)
        #expect(writing.screen == .compose)
    }

    @Test("q with a message still held opens the outbox to decide; once nothing is pending, the quit prompt")
    func quitWithHeld() {
        var state = Self.holding(["m1"])
        _ = ComposerReducer.reduce(&state, .key(.char("c")))
        _ = ComposerReducer.reduce(&state, .replaceMessage(ComposeModel(from: "taro@example.jp", accountName: "a"), status: nil))
        state.model.mode = .command
        #expect(ComposerReducer.reduce(&state, .key(.char("q"))) == [.openOutbox(.leaving, status: nil)])
        _ = ComposerReducer.reduce(&state, .outboxOpened(.leaving, rows: [], status: nil))
        #expect(state.screen.kind == .outbox)
        _ = ComposerReducer.reduce(&state, .owned([]))
        #expect(state.screen == .compose)
        #expect(state.model.mode == .quitPrompt)
        // Without held messages q is the quit prompt at once.
        var plain = Self.composing()
        #expect(ComposerReducer.reduce(&plain, .key(.char("q"))).isEmpty)
        #expect(plain.model.mode == .quitPrompt)
    }

    @Test("Ctrl-C leaves from every screen")
    func controlC() {
        var compose = Self.composing()
        var hold = Self.holding(["m1"])
        var outbox = Self.composing()
        _ = ComposerReducer.reduce(&outbox, .outboxOpened(.browse, rows: [], status: nil))
        for state in [compose, hold, outbox] {
            var state = state
            #expect(ComposerReducer.reduce(&state, .key(.control("c"))) == [.leaveNow])
        }
        compose.model.mode = .editing(.subject)
        hold.holdStatus = nil
        #expect(ComposerReducer.reduce(&compose, .key(.control("c"))) == [.leaveNow])
    }

    @Test("a resize sets the size keys are laid out for, and clears the hold screen's status line")
    func resize() {
        var state = Self.holding(["m1"])
        _ = ComposerReducer.reduce(&state, .key(.char("x")))
        #expect(state.holdStatus != nil)
        _ = ComposerReducer.reduce(&state, .resize(width: 120, height: 40))
        _ = ComposerReducer.reduce(&state, .key(.resize))
        #expect(state.width == 120 && state.height == 40)
        #expect(state.holdStatus == nil)
    }

    @Test("idle: a changed status draws; countdowns draw once a second, the outbox view is read again first")
    func idle() {
        var state = Self.composing()
        #expect(ComposerReducer.reduce(&state, .idle(now: 100.2, statusChanged: true)) == [.draw])
        #expect(ComposerReducer.reduce(&state, .idle(now: 100.2, statusChanged: false)).isEmpty)
        _ = ComposerReducer.reduce(&state, .owned([OwnedMessage(id: "m1", kind: .holding)]))
        #expect(ComposerReducer.reduce(&state, .idle(now: 100.2, statusChanged: false)) == [.draw])
        _ = ComposerReducer.reduce(&state, .drew(now: 100.2))
        #expect(ComposerReducer.reduce(&state, .idle(now: 100.9, statusChanged: false)).isEmpty)
        #expect(ComposerReducer.reduce(&state, .idle(now: 101.0, statusChanged: false)) == [.draw])
        _ = ComposerReducer.reduce(&state, .outboxOpened(.browse, rows: [], status: nil))
        #expect(ComposerReducer.reduce(&state, .idle(now: 102.0, statusChanged: false)) == [.refreshOutbox, .draw])
    }

    @Test("the reducer is a function: the same state and event give the same state and effects")
    func pure() {
        let state = Self.holding(["m1"])
        let (a, effectsA) = ComposerReducer.reduce(state, .key(.char("u")))
        let (b, effectsB) = ComposerReducer.reduce(state, .key(.char("u")))
        #expect(a == b && effectsA == effectsB)
        #expect(state.screen == .hold)
    }

    @Test("the session's clock reaches the screen: ticks given at machine speed make y ask, not freeze; the answer, Enter, y freezes")
    func paceThroughTheReducer() throws {
        var state = Self.composing(to: "hanako@partner.example, bob@client.example")
        let confirm = ConfirmModel(
            from: "taro@example.jp",
            recipients: [
                (try AddressParser.parseMailbox("hanako@partner.example"), .to), (try AddressParser.parseMailbox("bob@client.example"), .to)
            ], isInternal: { _ in false }, companies: [:], attachments: [], findings: [], holdSeconds: 10)
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        state.clock = 10
        _ = ComposerReducer.reduce(&state, .reviewed(confirm, classifier: DomainClassifier(patterns: []), revision: state.model.revision))
        for time in [10.05, 10.1] {
            state.clock = time
            _ = ComposerReducer.reduce(&state, .key(.char(" ")))
        }
        state.clock = 10.2
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))).isEmpty)
        guard case .confirm(let asked) = state.screen else {
            Issue.record("left the confirmation screen")
            return
        }
        #expect(asked.challenges == [.typeDomain("partner.example")])
        for character in "partner.example" { _ = ComposerReducer.reduce(&state, .key(.char(character))) }
        _ = ComposerReducer.reduce(&state, .key(.enter))
        let effects = ComposerReducer.reduce(&state, .key(.char("y")))
        #expect(effects.count == 1)
        guard case .freeze(let frozen) = effects.first else {
            Issue.record("not frozen: \(effects)")
            return
        }
        #expect(frozen.answerRecord(0) == "typed the domain partner.example [ticked faster than the items can be read]")
        // Nothing unverifiable was chosen: the hold screen has nothing to say.
        #expect(state.holdStatus == nil)
    }
}
