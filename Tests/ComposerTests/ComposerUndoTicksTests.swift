import Delivery
import Glibc
import TUI
import Testing
@testable import Composer

/// Undo keeps the ticks of the items that did not change (issue 15, item 4): after `u`, the next
/// confirmation screen of the message has every unchanged recipient, file and finding ticked.
@Suite("Composer session: undo keeps the ticks of what did not change")
struct ComposerUndoTicksTests {
    static let message = DraftInput(to: ["hanako@partner.example"], subject: "Figures", body: "Hello.\n")

    /// The screen's ticks and status after each key, one key at a time (a burst on a screen that
    /// takes text would be read as typed text).
    static func run(_ session: ComposerSession, _ keys: [Key], clock: TestClock) -> (RecordingTerminal, [ConfirmModel]) {
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil])
        // Three seconds before each key: ticks a reader gives, not rushed ones (`ConfirmPace`).
        terminal.whenIdle = { clock.advance(3) }
        var screens: [ConfirmModel] = []
        terminal.afterKey = { _ in if case .confirm(let screen) = session.state.screen { screens.append(screen) } }
        _ = session.run(on: terminal)
        return (terminal, screens)
    }

    @Test("tick both, y, u, then y: the same items are ticked again, and y sends without a tick")
    func undoThenSendAgain() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        var kinds: [ComposerScreen.Kind] = []
        let keys: [Key] = [.escape, .char("y"), .char(" "), .char(" "), .char("y"), .char("u"), .char("y"), .char("y"), .char("u")]
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil])
        // Three seconds before each key: ticks a reader gives, not rushed ones (`ConfirmPace`).
        terminal.whenIdle = { rig.clock.advance(3) }
        var kept: ConfirmModel?
        terminal.afterKey = { key in
            kinds.append(session.state.screen.kind)
            if kinds.count == 8, case .confirm(let screen) = session.state.screen { kept = screen }
        }
        _ = session.run(on: terminal)
        // Esc, y → confirm; Space, Space, y → hold; u → compose; y → confirm (kept); y → hold; u.
        #expect(kinds == [.compose, .compose, .confirm, .confirm, .confirm, .hold, .compose, .confirm, .hold])
        let screen = try #require(kept)
        #expect(screen.isTicked(.recipient("hanako@partner.example")))
        #expect(screen.isAccepted(0))
        #expect(screen.sendBlocker == nil)
        #expect(screen.status == StatusMessage("2 ticks kept from before the undo: the items that did not change"))
    }

    @Test("tick both, y, u, a second recipient added, y: the unchanged recipient keeps its tick; the new one and the changed finding do not")
    func undoThenEdit() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let keys: [Key] = [
            .escape, .char("y"), .char(" "), .char(" "), .char("y"), .char("u"), .char("t"), .text(", jiro@other.example"), .escape, .char("y"), .char("q")
        ]
        let (_, screens) = Self.run(session, keys, clock: rig.clock)
        #expect(session.state.model.to.text == "hanako@partner.example, jiro@other.example")
        // The screen the q was pressed on: the one after the edit.
        let screen = try #require(screens.last)
        #expect(screen.groups.flatMap(\.recipients).map(\.key) == ["hanako@partner.example", "jiro@other.example"])
        #expect(screen.isTicked(.recipient("hanako@partner.example")))
        #expect(!screen.isTicked(.recipient("jiro@other.example")))
        // new-domain now names two domains: other words, so no tick.
        let newDomain = try #require(screen.findings.firstIndex { $0.ruleID == "new-domain" })
        #expect(!screen.isAccepted(newDomain))
        #expect(screen.status == StatusMessage("1 tick kept from before the undo: the items that did not change"))
    }

    @Test("y, q back, y: nothing was undone, so nothing is carried (going back clears the ticks as before)")
    func backIsNotUndo() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let (_, screens) = Self.run(session, [.escape, .char("y"), .char(" "), .char(" "), .char("q"), .char("y"), .char("q")], clock: rig.clock)
        let screen = try #require(screens.last)
        #expect(screen.tickedItems.isEmpty)
        #expect(screen.status == nil)
    }
}
