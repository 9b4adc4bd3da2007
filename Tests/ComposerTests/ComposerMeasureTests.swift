import Delivery
import Glibc
import Journal
import Store
import TUI
import Testing
@testable import Composer

/// What the composer tells the journal for `guardmail report` (issue 15, item 5): the time from
/// the confirmation screen to `y`, by the session's clock, and the findings an edit made after
/// going back from the screen changed.
@Suite("Composer session: the confirmation measured for the report")
struct ComposerMeasureTests {
    static let message = DraftInput(to: ["hanako@example.jp"], subject: "Quarterly figures", body: "The figures are attached.\n")

    /// The one message in the rig's journal.
    static func entry(_ rig: ComposerRig) throws -> JournalEntry {
        let journal = try SendJournal(path: rig.paths.journalFile)
        defer { journal.close() }
        let id = try #require(try journal.list().first?.messageID)
        return try #require(try journal.show(messageID: id))
    }

    @Test("y, three idle seconds, Space, y: the journal has 3000 ms to confirm and no finding that led to a change")
    func timeToConfirm() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        // Each nil moves the clock one second; the screen appears at the first y. (The first nil
        // lets the session open the outbox and the journal, after its first frame.)
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y"), nil, nil, .char(" "), nil, .char("y"), nil, .char("u")])
        terminal.whenIdle = { rig.clock.advance(1) }
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(screens == [.compose, .compose, .confirm, .confirm, .hold])
        let entry = try Self.entry(rig)
        #expect(entry.message.confirmMilliseconds == 3000)
        #expect(entry.message.changedFindings.isEmpty)
        #expect(entry.message.findings.map(\.ruleID) == ["forgotten-attachment"])
        #expect(entry.message.findings.map(\.accepted) == [true])
        #expect(entry.message.findings.map(\.challenged) == [false])
    }

    @Test("y, q back, the To domain edited, y again: the first screen's findings about that domain led to a change; the time counts from the second screen")
    func changedAfterGoingBack() throws {
        let rig = try ComposerRig()
        let session = rig.session(DraftInput(to: ["hanako@partner.example"], subject: "Figures", body: "Hello.\n"))
        // One key at a time (a burst on a screen that takes text is taken as typed text).
        let keys: [Key] =
            [.char("t")] + Array(repeating: .backspace, count: 7) + [.char("t"), .char("e"), .char("s"), .char("t"), .escape, .char("y")]
        // On the second screen, three seconds before each tick: a reader's pace, not a rushed one
        // (`ConfirmPace`), then y a second later.
        let confirm: [Key?] = [nil, nil, nil, .char(" "), nil, nil, nil, .char(" "), nil, .char("y"), nil, .char("u")]
        let terminal = RecordingTerminal(
            script: [.escape, nil, .char("y"), nil, nil, nil, nil, .char("q")] + keys.flatMap { [nil, $0] } + confirm)
        terminal.whenIdle = { rig.clock.advance(1) }
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(session.state.model.to.text == "hanako@partner.test")
        let entry = try Self.entry(rig)
        #expect(entry.message.recipients.map(\.address) == ["hanako@partner.test"])
        // Both findings named the old domain: the edit changed them (the info one too).
        #expect(entry.message.changedFindings.map(\.ruleID) == ["new-domain", "new-recipient"])
        #expect(entry.message.changedFindings.allSatisfy { $0.message.contains("partner.example") })
        #expect(entry.message.findings.map(\.ruleID) == ["new-domain", "new-recipient"])
        #expect(entry.message.findings.map(\.accepted) == [true, false])
        // Seven idle seconds between the second screen and its y (the four before q do not count).
        #expect(entry.message.confirmMilliseconds == 7000)
    }

    @Test("y, q back, the recipient made internal, y: straight to the hold, and the first screen's findings led to a change")
    func changedThenNoScreen() throws {
        let rig = try ComposerRig()
        let session = rig.session(DraftInput(to: ["hanako@partner.example"], subject: "Figures", body: "Hello.\n"))
        let keys: [Key] =
            [.char("t")] + Array(repeating: .backspace, count: "partner.example".count) + "example.jp".map { .char($0) } + [
                .escape, .char("y"), .char("u")
            ]
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y"), nil, .char("q")] + keys.flatMap { [nil, $0] })
        terminal.whenIdle = { rig.clock.advance(1) }
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(session.state.model.to.text == "hanako@example.jp")
        // The last y found the composer and u the hold: no second confirmation screen.
        #expect(screens.suffix(2) == [.compose, .hold])
        let entry = try Self.entry(rig)
        #expect(entry.message.recipients.map(\.address) == ["hanako@example.jp"])
        #expect(entry.message.changedFindings.map(\.ruleID) == ["new-domain", "new-recipient"])
        #expect(entry.message.findings.isEmpty)
        #expect(entry.message.confirmScreen == "none")
        #expect(entry.message.confirmMilliseconds == nil)
    }

    @Test("two ticks a second apart (faster than the rows can be read), y, the pace's challenge answered, y: the journal keeps the challenge as rushed")
    func rushedChallengeJournalled() throws {
        let rig = try ComposerRig()
        let session = rig.session(DraftInput(to: ["hanako@partner.example"], subject: "Figures", body: "Hello.\n"))
        // The answer typed in one burst, as a terminal delivers typing.
        let answer: [Key?] = "partner.example".map { .char($0) } + [nil, .enter]
        // Each nil moves the clock one second: under the reading time of each row.
        let keys: [Key] = [.escape, .char("y"), .char(" "), .char(" "), .char("y")]
        let terminal = RecordingTerminal(script: keys.flatMap { [nil, $0] } + [nil] + answer + [nil, .char("y"), nil, .char("u")])
        terminal.whenIdle = { rig.clock.advance(1) }
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(screens.last == .hold)
        let entry = try Self.entry(rig)
        #expect(
            entry.message.challenges == [
                JournalChallenge(form: .domain, subject: "partner.example", reason: ConfirmModel.rushedReason, rushed: true)
            ])
        #expect(entry.message.challenges.map(\.words) == ["typed the domain partner.example [ticked faster than the items can be read]"])
        let journal = try SendJournal(path: rig.paths.journalFile)
        defer { journal.close() }
        #expect(JournalReport.rushed(try journal.reviewRows()) == 1)
    }

    @Test("ticks at a reader's pace: no challenge, nothing in the journal's challenges")
    func calmTicksNoChallenge() throws {
        let rig = try ComposerRig()
        let session = rig.session(DraftInput(to: ["hanako@partner.example"], subject: "Figures", body: "Hello.\n"))
        let confirm: [Key?] = [nil, nil, nil, .char(" "), nil, nil, nil, .char(" "), nil, .char("y"), nil, .char("u")]
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y")] + confirm)
        terminal.whenIdle = { rig.clock.advance(1) }
        _ = session.run(on: terminal)
        let entry = try Self.entry(rig)
        #expect(entry.message.confirmScreen == "full")
        #expect(entry.message.challenges.isEmpty)
    }

    @Test("y, q, y with nothing edited: the same findings again, none led to a change")
    func backWithoutEdit() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let terminal = RecordingTerminal(script: [Key.escape, .char("y"), .char("q"), .char("y"), .char(" "), .char("y"), .char("u")].flatMap { [$0, nil] })
        _ = session.run(on: terminal)
        let entry = try Self.entry(rig)
        #expect(entry.message.changedFindings.isEmpty)
        #expect(entry.message.confirmMilliseconds == 0)
    }
}
