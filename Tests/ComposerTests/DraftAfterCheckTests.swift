import Delivery
import Store
import Synchronization
import TUI
import Testing
@testable import Composer

/// `y` owes a draft save (a message filled from options has no draft file yet): it is written
/// once the check's answer is drawn, not beside the check, and no later than the usual draft
/// delay when the check takes longer.
@Suite("Composer session: the draft save of y")
struct DraftAfterCheckTests {
    static let message = DraftInput(to: ["hanako@example.jp"], subject: "Quarterly figures", body: "The figures are attached.\n")

    struct Moment: Equatable {
        var checking: Bool
        var screen: ComposerScreen.Kind
        var drafts: Int
    }

    @Test("the check's answer is drawn first, then the draft is written")
    func afterTheAnswer() throws {
        let rig = try ComposerRig()
        let held = Mutex<[@Sendable () -> Void]>([])
        let session = rig.session(Self.message)
        session.runCheck = { work in held.withLock { $0.append(work) } }
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y"), nil, nil, nil, nil, nil, nil, nil])
        var moments: [Moment] = []
        var framesAtSave: Int?
        var finished = false
        terminal.whenIdle = {
            let drafts = rig.drafts.list().count
            if drafts > 0 && framesAtSave == nil { framesAtSave = terminal.frames.count }
            moments.append(Moment(checking: session.pendingCheck != nil, screen: session.state.screen.kind, drafts: drafts))
            // Two idle moments into the check (the clock does not move), it finishes.
            if !finished && moments.filter(\.checking).count == 2 {
                finished = true
                held.withLock { $0.removeFirst()() }
            }
        }
        _ = session.run(on: terminal)
        // While the check ran, nothing was written; once its screen was there, the draft was.
        #expect(moments.filter(\.checking).count == 2)
        #expect(moments.filter(\.checking).allSatisfy { $0.drafts == 0 })
        #expect(moments.last == Moment(checking: false, screen: .confirm, drafts: 1))
        #expect(moments.filter { $0.drafts > 0 }.allSatisfy { $0.screen == .confirm })
        // The confirmation frame was drawn before the draft file appeared.
        let firstConfirmation = try #require(terminal.frames.firstIndex { $0.text.contains("check before sending") })
        let savedAfter = try #require(framesAtSave)
        #expect(savedAfter > firstConfirmation)
        #expect(rig.drafts.list().map(\.subject) == ["Quarterly figures"])
    }

    @Test("a check that takes longer than the draft delay does not put the draft off")
    func byTheDraftDelay() throws {
        let rig = try ComposerRig()
        let held = Mutex<[@Sendable () -> Void]>([])
        let session = rig.session(Self.message)
        session.runCheck = { work in held.withLock { $0.append(work) } }
        let terminal = RecordingTerminal(script: [.escape, nil, .char("y")] + Array(repeating: nil, count: 12))
        var moments: [(seconds: Double, Moment)] = []
        terminal.whenIdle = {
            moments.append(
                (rig.clock.now.seconds, Moment(checking: session.pendingCheck != nil, screen: session.state.screen.kind, drafts: rig.drafts.list().count)))
            rig.clock.advance(0.2)
        }
        _ = session.run(on: terminal)
        // The first idle moment with the check running is at the instant of y (the clock moves
        // only between idle moments); the loop looks at the clock every second idle moment.
        let start = try #require(moments.first { $0.1.checking }).seconds
        let during = moments.filter { $0.seconds >= start }
        #expect(during.allSatisfy { $0.1.checking }) // the check never finished
        // Before the draft delay (0.5 s) nothing was written; after it, the draft was, with the check still running.
        #expect(during.filter { $0.seconds - start < ComposerSession.draftDelay - 0.01 }.allSatisfy { $0.1.drafts == 0 })
        #expect(during.filter { $0.seconds - start > ComposerSession.draftDelay + 0.41 }.allSatisfy { $0.1.drafts == 1 })
        #expect(during.contains { $0.1.drafts == 0 } && during.contains { $0.1.drafts == 1 })
        #expect(rig.drafts.list().map(\.subject) == ["Quarterly figures"])
    }
}
