import MailCore
import Policy
import Testing
@testable import TUI

/// The reducer's side of "quiet when routine": a check that needs no screen freezes at once.
@Suite("Composer reducer: no confirmation screen when nothing needs confirming")
struct ComposerReducerQuietTests {
    static func screen(to address: String, scope: TickScope) -> ConfirmModel {
        ConfirmModel(
            from: "taro@example.jp", recipients: [(try! AddressParser.parseMailbox(address), .to)], isInternal: { $0 == "example.jp" },
            companies: [:], attachments: [], findings: [], holdSeconds: 10, scope: scope)
    }

    @Test("a screen of kind none: frozen at once, no confirmation screen; the hold says why; an undo brings the message back")
    func straightToHold() {
        var state = ComposerReducerTests.composing()
        let revision = state.model.revision
        #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.review(.asWritten)])
        let screen = Self.screen(to: "hanako@example.jp", scope: .riskOnly)
        #expect(screen.screenKind == .none)
        let effects = ComposerReducer.reduce(&state, .reviewed(screen, classifier: DomainClassifier(patterns: []), revision: revision))
        #expect(effects == [.freeze(screen)])
        #expect(state.screen == .compose)
        #expect(state.checking == nil)
        #expect(state.holdNote == "No confirmation needed: internal only, nothing to confirm")
        _ = ComposerReducer.reduce(&state, .owned([OwnedMessage(id: "m1", kind: .holding)]))
        #expect(ComposerReducer.reduce(&state, .frozen(ids: ["m1"], problem: nil)) == [.draw])
        #expect(state.screen == .hold)
        #expect(ComposerReducer.reduce(&state, .key(.char("u"))) == [.undo(["m1"])])
        _ = ComposerReducer.reduce(&state, .undone(restored: true, problems: [], tooLateLine: nil))
        #expect(state.screen == .compose)
        #expect(state.ticksAfterUndo == [])
    }

    @Test("a one-key or full screen is shown; y on it freezes and the hold has no note")
    func shown() {
        for (address, scope) in [("hanako@example.jp", TickScope.everything), ("bob@partner.example", .riskOnly)] {
            var state = ComposerReducerTests.composing(to: address)
            let revision = state.model.revision
            _ = ComposerReducer.reduce(&state, .key(.char("y")))
            let screen = Self.screen(to: address, scope: scope)
            #expect(screen.screenKind != .none)
            #expect(ComposerReducer.reduce(&state, .reviewed(screen, classifier: DomainClassifier(patterns: []), revision: revision)) == [.draw])
            #expect(state.screen.kind == .confirm)
            // A stale note from an earlier message never shows on this one's hold.
            state.holdNote = "stale"
            #expect(ComposerReducer.reduce(&state, .key(.char("y"))) == [.freeze(screen)])
            #expect(state.holdNote == nil)
        }
    }

    @Test("what the check could not read is said on the hold screen when no confirmation screen is shown")
    func warningOnTheHold() {
        var state = ComposerReducerTests.composing()
        let revision = state.model.revision
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        var screen = Self.screen(to: "hanako@example.jp", scope: .riskOnly)
        let warning = StatusMessage("The address book /home/u/book.vcf cannot be read: permission denied", isError: true)
        screen.status = warning
        #expect(ComposerReducer.reduce(&state, .reviewed(screen, classifier: DomainClassifier(patterns: []), revision: revision)) == [.freeze(screen)])
        _ = ComposerReducer.reduce(&state, .owned([OwnedMessage(id: "m1", kind: .holding)]))
        _ = ComposerReducer.reduce(&state, .frozen(ids: ["m1"], problem: nil))
        #expect(state.screen == .hold)
        #expect(state.holdStatus == warning)
    }

    @Test("a freeze that fails leaves no note behind")
    func failedFreeze() {
        var state = ComposerReducerTests.composing()
        let revision = state.model.revision
        _ = ComposerReducer.reduce(&state, .key(.char("y")))
        _ = ComposerReducer.reduce(
            &state, .reviewed(Self.screen(to: "hanako@example.jp", scope: .riskOnly), classifier: DomainClassifier(patterns: []), revision: revision))
        _ = ComposerReducer.reduce(&state, .frozen(ids: [], problem: StatusMessage("Not sent: disk full", isError: true)))
        #expect(state.holdNote == nil)
        #expect(state.screen == .compose)
        #expect(state.model.status == StatusMessage("Not sent: disk full", isError: true))
    }
}
