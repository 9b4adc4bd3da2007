import Delivery
import Glibc
import Outbox
import Policy
import TUI
import Testing
@testable import Composer

/// Issue 15, "quiet when routine, loud when risky", in the composer: routine internal mail goes
/// straight to the hold (the hold is the check), and the outbox record says it had no screen.
@Suite("Composer session: quiet when routine, loud when risky")
struct ComposerQuietTests {
    /// Internal (the rig's sender is taro@example.jp and no internal_domains is set), nothing attached,
    /// nothing said about attachments: no finding above info.
    static let routine = DraftInput(to: ["hanako@example.jp"], subject: "Lunch", body: "Noon at the usual place?\n")

    @Test("y on routine internal mail: straight to the hold, which says why; u brings the message back untouched")
    func straightToHold() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.routine)
        let keys: [Key] = [.escape, .char("y"), .char("u")]
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil])
        var kinds: [ComposerScreen.Kind] = []
        var screens: [String?] = []
        // `afterKey` sees the screen each key finds (before it is handled).
        terminal.afterKey = { key in
            kinds.append(session.state.screen.kind)
            if key == .char("u") { screens = rig.outbox.list().entries.map(\.record.confirmation.screen) }
        }
        let before = session.state.model.body.text
        _ = session.run(on: terminal)
        // No confirmation screen at any moment: y found the composer, u the hold.
        #expect(kinds == [.compose, .compose, .hold])
        #expect(session.state.screen == .compose)
        #expect(!terminal.frames.contains { $0.text.contains("check before sending") })
        #expect(terminal.frames.contains { $0.text.contains("No confirmation needed: internal only, nothing to confirm") })
        #expect(terminal.frames.contains { $0.text.contains("held, not sent yet") })
        #expect(screens == ["none"])
        #expect(session.state.model.body.text == before)
        #expect(session.state.model.status == StatusMessage("Undone: nothing was sent. The message is back as it was."))
        #expect(rig.outbox.list().entries.isEmpty)
    }

    @Test("the same message with confirmation.always_full: the full screen, and the record says so")
    func alwaysFull() throws {
        let rig = try ComposerRig()
        let policy = PolicyConfig(
            organisation: try PolicyConfig.parseOrganisationFile("[confirmation]\nalways_full = true\n", file: "policy.toml"))
        let session = rig.session(Self.routine, policy: policy)
        let keys: [Key] = [.escape, .char("y"), .char("y")]
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil])
        var kinds: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in kinds.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        // The second y found the confirmation screen, and froze the message.
        #expect(kinds == [.compose, .compose, .confirm])
        #expect(session.state.screen == .hold)
        #expect(terminal.frames.contains { $0.text.contains("check before sending") })
        #expect(!terminal.frames.contains { $0.text.contains("No confirmation needed") })
        #expect(rig.outbox.list().entries.map(\.record.confirmation.screen) == ["full"])
    }

    @Test("a finding to confirm on internal mail: the full screen, as before")
    func findingStillAsks() throws {
        let rig = try ComposerRig()
        let session = rig.session(DraftInput(to: ["hanako@example.jp"], subject: "Figures", body: "The figures are attached.\n"))
        let keys: [Key] = [.escape, .char("y"), .char("q")]
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil])
        var kinds: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in kinds.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(kinds == [.compose, .compose, .confirm])
        #expect(rig.outbox.list().entries.isEmpty)
    }
}
