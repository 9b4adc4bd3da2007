import Config
import Glibc
import Delivery
import Outbox
import Store
import TUI
import Synchronization
import Testing
@testable import Composer

/// The composer as a whole, over a `RecordingTerminal`: scripted keys in, frames out, a clock
/// the test moves. A `nil` in a script is a moment without a key (the test clock moves a second).
@Suite("Composer session: key sequences through a recording terminal")
struct ComposerSessionTests {
    static let message = DraftInput(to: ["hanako@example.jp"], subject: "Quarterly figures", body: "The figures are attached.\n")

    /// What "the same message" means: every field, the body and its cursor, the attachments.
    struct Written: Equatable {
        var to, cc, bcc, subject, body: String
        var cursor: TextPosition
        var attachments: [String]
        init(_ model: ComposeModel) {
            to = model.to.text
            cc = model.cc.text
            bcc = model.bcc.text
            subject = model.subject.text
            body = model.body.text
            cursor = model.body.cursor
            attachments = model.attachments.map(\.path)
        }
    }

    @Test("y, y, the countdown moves with the clock, u: the composer is back with the message untouched and nothing is in the outbox")
    func undoAfterHold() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let terminal = RecordingTerminal(
            script: [.escape, nil, .char("y"), nil, .char(" "), nil, .char("y"), nil, nil, nil, .char("u")])
        terminal.whenIdle = { rig.clock.advance(1) }
        var beforeSend: Written?
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { key in
            screens.append(session.state.screen.kind)
            if key == .char("y"), beforeSend == nil { beforeSend = Written(session.state.model) }
        }
        let outcome = session.run(on: terminal)

        // Each key found the screen the one before led to: compose, compose (y), confirm (Space:
        // the policy's one finding ticked), confirm (y), hold (u).
        #expect(screens == [.compose, .compose, .confirm, .confirm, .hold])
        let holdFrames = terminal.frames.filter { $0.text.contains("held, not sent yet") }
        #expect(holdFrames.count >= 2)
        // The countdown is drawn from the clock the session was given: it moved between frames.
        #expect(Set(holdFrames.map(\.text)).count >= 2)
        #expect(session.state.screen == .compose)
        #expect(session.state.holding.isEmpty)
        #expect(try Written(session.state.model) == #require(beforeSend))
        #expect(session.state.model.status == StatusMessage("Undone: nothing was sent. The message is back as it was."))
        #expect(terminal.screenText.contains("Undone: nothing was sent."))
        #expect(rig.outbox.list().entries.isEmpty)
        // The script ran out: the terminal reported SIGTERM, and the message is kept as a draft.
        #expect(outcome == .interrupted(signal: 15, draft: .saved))
        #expect(rig.drafts.list().map(\.subject) == ["Quarterly figures"])
    }

    @Test("the check runs apart from the keys: the composer answers while it runs, its screen comes when it is done, Esc stops waiting")
    func checkApart() throws {
        let rig = try ComposerRig()
        // The check is held until the test runs it: a document taking its time.
        let held = Mutex<[@Sendable () -> Void]>([])
        let session = rig.session(Self.message)
        session.runCheck = { work in held.withLock { $0.append(work) } }
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y"), nil, .char("y"), nil, nil, .char(" ")])
        var screens: [ComposerScreen.Kind] = []
        var idles = 0
        terminal.whenIdle = {
            idles += 1
            // At the third idle moment (after the second y) the check finishes.
            if idles == 3 { held.withLock { $0.removeFirst()() } }
        }
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        // y: still composing (the check runs); y again: still composing, "still checking";
        // then the check's screen; Space ticks on it.
        #expect(screens == [.compose, .compose, .compose, .confirm])
        #expect(terminal.frames.contains { $0.text.contains("Still checking the message") })
        #expect(held.withLock { $0.isEmpty })

        // Esc while it runs: back to the message; the answer that comes later is not shown.
        let other = rig.session(Self.message)
        other.runCheck = { work in held.withLock { $0.append(work) } }
        let second = RecordingTerminal(script: [.escape, nil, .char("y"), nil, .escape, nil, nil, nil])
        var finished = false
        second.whenIdle = {
            if other.state.checking == nil, other.pendingCheck == nil, !finished, let work = held.withLock({ $0.popLast() }) {
                work()
                finished = true
            }
        }
        var otherScreens: [ComposerScreen.Kind] = []
        second.afterKey = { _ in otherScreens.append(other.state.screen.kind) }
        _ = other.run(on: second)
        #expect(finished)
        #expect(otherScreens.allSatisfy { $0 == .compose })
        #expect(other.state.model.status == StatusMessage("Check stopped; nothing was sent."))
        #expect(rig.outbox.list().entries.isEmpty)
    }

    @Test("q with nothing written leaves at once, no question, no draft; q then s with a message: the draft is saved")
    func quit() throws {
        let rig = try ComposerRig()
        // Issue 17 item 5: an empty message leaves without a question (it used to ask, and d
        // discarded). The key after q is never read.
        let empty = rig.session(DraftInput())
        let emptyTerminal = RecordingTerminal(script: [.escape, nil, .char("q"), nil, .char("d")])
        #expect(empty.run(on: emptyTerminal) == .postponed(.empty))
        #expect(emptyTerminal.script == [.char("d")])
        #expect(!emptyTerminal.frames.contains { $0.textLines.joined().contains("Leave the composer?") })
        #expect(rig.drafts.list().isEmpty)

        let written = rig.session(Self.message)
        let terminal = RecordingTerminal(script: [.escape, nil, .char("q"), nil, .char("s")])
        #expect(written.run(on: terminal) == .postponed(.saved))
        #expect(rig.drafts.list().map(\.subject) == ["Quarterly figures"])
        // The quit prompt was on screen before s.
        #expect(terminal.frames.dropLast().last.map { $0.text.contains("s") } == true)

        // Any other key at the quit prompt goes back to the message.
        let back = rig.session(Self.message)
        let stays = RecordingTerminal(script: [.escape, nil, .char("q"), nil, .char("x")])
        #expect(back.run(on: stays) == .interrupted(signal: 15, draft: .saved))
        #expect(back.state.model.mode == .command)
    }

    static let longMessage = DraftInput(
        to: ["hanako@example.jp"], subject: "Quarterly figures",
        body: "Dear Hanako, the figures for the third quarter are attached; the totals are on page two.\n")

    @Test("a long draft: q then Enter saves it (the default); d d does not discard it; d then y does")
    func quitLongDraft() throws {
        let rig = try ComposerRig()
        let saved = rig.session(Self.longMessage)
        #expect(saved.run(on: RecordingTerminal(script: [.escape, nil, .char("q"), nil, .enter])) == .postponed(.saved))
        #expect(rig.drafts.list().map(\.subject) == ["Quarterly figures"])

        // d, then d again: not discarded; the question is back (the run ends when the script does).
        let twice = rig.session(Self.longMessage)
        let twiceTerminal = RecordingTerminal(script: [.escape, nil, .char("q"), nil, .char("d"), nil, .char("d")])
        twiceTerminal.afterKey = { key in
            if key == .char("d") { #expect(twice.state.model.mode != .command) }
        }
        #expect(twice.run(on: twiceTerminal) == .interrupted(signal: 15, draft: .saved))
        #expect(twice.state.model.mode == .quitPrompt)
        #expect(twiceTerminal.frames.contains { $0.textLines.joined().contains("(y) yes, discard the message") })

        let discarded = rig.session(Self.longMessage)
        let discardTerminal = RecordingTerminal(script: [.escape, nil, .char("q"), nil, .char("d"), nil, .char("y")])
        #expect(discarded.run(on: discardTerminal) == .discarded)
        #expect(discardTerminal.frames.contains { $0.textLines.joined().contains("The draft has 18 words.") })
    }

    @Test("a resize lays the screen out for the new size, and keys after it use it")
    func resize() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let terminal = RecordingTerminal(width: 80, height: 24, script: [.escape, nil, .resize, nil, .char("y")])
        terminal.resizes = [(100, 30)]
        _ = session.run(on: terminal)
        #expect(session.state.width == 100)
        #expect(session.state.height == 30)
        let last = try #require(terminal.frames.last)
        #expect(last.width == 100 && last.height == 30)
        // The confirmation screen opened at the new size.
        #expect(session.state.screen.kind == .confirm)
    }

    @Test("o opens the outbox view over the composer and q closes it; the message is unchanged")
    func outboxOpenClose() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        let terminal = RecordingTerminal(script: [.escape, nil, .char("o"), nil, .char("q")])
        var screens: [ComposerScreen.Kind] = []
        terminal.afterKey = { _ in screens.append(session.state.screen.kind) }
        _ = session.run(on: terminal)
        #expect(screens == [.compose, .compose, .outbox])
        #expect(terminal.frames.contains { $0.text.contains("guardmail — Outbox") && $0.text.contains("The outbox is empty.") })
        #expect(session.state.screen == .compose)
        #expect(!terminal.screenText.contains("guardmail — Outbox"))
        #expect(session.state.model.subject.text == "Quarterly figures")
    }

    @Test("the hold ends by the clock and the server cannot be reached: the outbox view says why, over a fresh message")
    func deliveryFailureShown() throws {
        let rig = try ComposerRig()
        let session = rig.session(Self.message)
        // The account's server is a closed port on 127.0.0.1: the submission thread fails at once.
        // Up to 2,000 moments without a key, 5 ms each once the hold is over: a bound, not a timing.
        let terminal = RecordingTerminal(
            script: [.escape, nil, .char("y"), nil, .char(" "), nil, .char("y")] + Array(repeating: nil, count: 2000))
        terminal.whenIdle = {
            if terminal.frames.last?.text.contains("guardmail — Outbox") == true {
                terminal.finishScript()
            } else if session.state.screen.kind == .outbox {
                // Countdowns and the outbox view are drawn anew when the second changes.
                rig.clock.advance(1)
            } else if rig.clock.now.seconds < ComposerRig.start + 20 {
                rig.clock.advance(1)
            } else {
                usleep(5_000)
            }
        }
        let outcome = session.run(on: terminal)
        guard case .outbox(let screen) = session.state.screen else {
            Issue.record("no outbox view; the screen is \(session.state.screen.kind): \(terminal.screenText)")
            return
        }
        #expect(screen.purpose == .browse)
        #expect(screen.status?.isError == true)
        #expect(screen.rows.map(\.subject) == ["Quarterly figures"])
        #expect(terminal.frames.contains { $0.text.contains("held, not sent yet") })
        #expect(terminal.screenText.contains("guardmail — Outbox"))
        // Behind the view a fresh message; the failed one stays in the outbox, not in the drafts.
        #expect(session.state.model.subject.text.isEmpty)
        #expect(session.state.holding.isEmpty)
        #expect(rig.outbox.list().entries.count == 1)
        #expect(outcome == .interrupted(signal: 15, draft: .empty))
    }

    @Test("^T before the picker's candidates are made: it opens at once and says so, Enter chooses nothing, and they come in when made")
    func pickerBeforeReady() throws {
        let rig = try ComposerRig()
        try FileSystem.makeDirectories(rig.paths.configDirectory)
        let book = rig.paths.configDirectory + "/addressbook.txt"
        let file = try #require(fopen(book, "w"))
        fputs("佐藤 花子 <hanako@example.co.jp>\n", file)
        fclose(file)
        // The making is held until the test lets it run: a big address book taking its time.
        let held = Mutex<[@Sendable () -> Void]>([])
        let session = rig.session(DraftInput())
        session.pickerCandidates = PickerCandidates(run: { work in held.withLock { $0.append(work) } })
        // ^T ↓ Enter typed at once; the making ends at the second moment without a key; ↓ Enter.
        let terminal = RecordingTerminal(script: [.control("t"), .down, .enter, nil, nil, nil, .down, .enter, nil])
        var idles = 0
        terminal.whenIdle = {
            idles += 1
            if idles == 2 { held.withLock { $0.removeFirst()() } }
        }
        _ = session.run(on: terminal)
        // The picker opened at once, empty and saying why; Enter chose nothing; then the book came.
        let waiting = try #require(terminal.frames.first { $0.text.contains("pick an address for To") })
        #expect(waiting.text.contains("Reading the address books…") && waiting.text.contains("Nothing matches; change the search"))
        #expect(terminal.frames.contains { $0.text.contains("佐藤 花子") && $0.text.contains("pick an address for To") })
        #expect(session.state.model.to.text == "佐藤 花子 <hanako@example.co.jp>")
        #expect(held.withLock { $0.isEmpty })
    }

    @Test("the picker's candidates are made once for files as they are; a changed book makes them again")
    func pickerCandidatesMadeOnce() throws {
        let made = Mutex(0)
        let candidates = PickerCandidates(run: { $0() })
        let key = PickerCandidates.Key(stamps: [], sender: "taro@example.jp", thread: [])
        for _ in 0..<3 {
            candidates.prepare(key) {
                made.withLock { $0 += 1 }
                return (PickerIndex([PickerCandidate(name: "A", address: "a@example.jp")]), nil)
            }
        }
        #expect(made.withLock { $0 } == 1 && candidates.made?.index.candidates.count == 1)
        var other = key
        other.thread = ["b@example.jp"]
        candidates.prepare(other) {
            made.withLock { $0 += 1 }
            return (.empty, "note")
        }
        #expect(made.withLock { $0 } == 2 && candidates.made?.key == other && candidates.made?.note == "note")
    }

}
