import Journal
import Outbox
import Store
import Testing
import Workflow
@testable import Delivery

/// What a new process makes of messages whose process went away, and what the user's release,
/// edit and discard do with them. A dispatcher going away (its locks released) is the process
/// dying: the outbox files stay as they were.
@Suite("Dispatcher: after a restart, and the user's decisions")
struct DispatcherRestartTests {
    @Test("a hold whose process died becomes interrupted: journalled once, nothing sent, waits for the user")
    func heldBecomesInterrupted() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com", "carol@example.com"], hold: 10)
        first = nil

        rig.clock.set(frozen.releaseAt + 60)
        let second = try rig.dispatcher()
        #expect(second.adoptAbandoned(now: rig.clock.now) == [frozen.id])
        #expect(rig.diskState(frozen.id) == .interrupted(recipients: ["bob@example.com", "carol@example.com"]))
        #expect(try rig.events(frozen.messageID).filter { $0 == .interrupted }.count == 1)
        #expect(second.tick(now: rig.clock.now + 3600).isEmpty)
        #expect(rig.server.jobs.isEmpty)
        #expect(second.ownedItems.first?.needsUser == true)
    }

    @Test("a submission whose process died becomes unknown and is never resent on its own")
    func submittingBecomesUnknown() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil
        // What a process killed during its submission leaves: the durable "submitting".
        try rig.outbox.write(id: frozen.id, state: .submitting(attempt: 1, recipients: ["bob@example.com"]))

        let second = try rig.dispatcher()
        #expect(second.adoptAbandoned(now: rig.clock.now) == [frozen.id])
        #expect(rig.diskState(frozen.id) == .unknown(recipients: ["bob@example.com"]))
        #expect(try rig.events(frozen.messageID).last == .unknown)
        #expect(second.tick(now: rig.clock.now + 86_400).isEmpty)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("a message another live process runs is left alone by adoptAbandoned")
    func liveOwnerLeftAlone() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 10)

        let second = try rig.dispatcher()
        #expect(second.adoptAbandoned(now: rig.clock.now).isEmpty)
        #expect(rig.diskState(frozen.id)?.kind == .holding)
        #expect(try rig.events(frozen.messageID) == [.confirmed, .held])
    }

    @Test("a retry the ending process will not make becomes interrupted (relinquish), with the reason")
    func relinquishedRetry() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.timeout, "the server did not answer within 60 s"))
        _ = dispatcher.tick(now: frozen.releaseAt)
        #expect(rig.diskState(frozen.id)?.kind == .failedTemporarily)

        dispatcher.relinquish(now: frozen.releaseAt + 1)
        #expect(rig.diskState(frozen.id) == .interrupted(recipients: ["bob@example.com"]))
        let last = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(last.kind == .interrupted)
        #expect(last.detail == "the server did not answer within 60 s; not retried: the command ended")
        #expect(rig.isReleased(frozen.id))
    }

    @Test("releasing an interrupted message sends it to every recipient")
    func releaseInterrupted() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com", "carol@example.com"], hold: 10)
        first = nil

        let second = try rig.dispatcher()
        #expect(try second.adopt(frozen.id, now: rig.clock.now))
        #expect(rig.diskState(frozen.id)?.kind == .interrupted)
        rig.server.then(ScriptedServer.accepted)
        let report = second.release(frozen.id, now: rig.clock.now)
        #expect(report?.outcome == .sent)
        #expect(rig.server.jobs.map(\.request.recipients) == [["bob@example.com", "carol@example.com"]])
        #expect(rig.diskState(frozen.id) == nil)
        #expect(rig.hasSentCopy(frozen.id))
    }

    @Test("releasing an unknown message is a deliberate re-send to every recipient")
    func releaseUnknown() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.timeout, "no answer to the end of the data", afterData: true))
        _ = dispatcher.tick(now: frozen.releaseAt)
        #expect(rig.diskState(frozen.id)?.kind == .unknown)

        rig.server.then(ScriptedServer.accepted)
        let report = dispatcher.release(frozen.id, now: frozen.releaseAt + 600)
        #expect(report?.outcome == .sent)
        #expect(rig.server.jobs.count == 2)
        #expect(rig.server.jobs.last?.request.recipients == ["bob@example.com"])
    }

    @Test("releasing a partly sent message after a restart goes to the refused only")
    func releasePartlySentAfterRestart() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com", "carol@example.com"], hold: 0)
        rig.server.then(ScriptedServer.refusing(["bob@example.com"], with: .init(code: 450, text: "4.2.0 mailbox busy")))
        let partial = try #require(first!.tick(now: frozen.releaseAt).first)
        #expect(partial.exitStatus == 75)
        first = nil

        let second = try rig.dispatcher()
        #expect(second.adoptAbandoned(now: rig.clock.now) == [frozen.id])
        #expect(rig.diskState(frozen.id)?.kind == .partiallySent)
        rig.server.then(ScriptedServer.accepted)
        let report = second.release(frozen.id, now: rig.clock.now + 60)
        #expect(report?.outcome == .sent)
        #expect(rig.server.jobs.last?.request.recipients == ["bob@example.com"])
    }

    @Test("editing an interrupted message gives the composer its draft and takes it out of the outbox")
    func editInterrupted() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil

        let second = try rig.dispatcher()
        second.adoptAbandoned(now: rig.clock.now)
        var restored: [DraftRecord?] = []
        #expect(second.edit(frozen.id, now: rig.clock.now) { restored.append($0) } == nil)
        #expect(restored == [frozen.draft])
        #expect(rig.diskState(frozen.id) == nil)
        #expect(try rig.events(frozen.messageID).last == .edited)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("an unknown message cannot be edited (the server may have it); it can be discarded")
    func unknownNotEditable() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.failing(.connectionLost, "lost after the data", afterData: true))
        _ = dispatcher.tick(now: frozen.releaseAt)

        let refusal = dispatcher.edit(frozen.id, now: rig.clock.now) { _ in Issue.record("restored an unknown message") }
        #expect(refusal?.description == "\(frozen.id) cannot be edited while it is unknown")
        #expect(rig.diskState(frozen.id)?.kind == .unknown)

        #expect(dispatcher.discard(frozen.id, now: rig.clock.now))
        #expect(rig.diskState(frozen.id) == nil)
        #expect(try rig.events(frozen.messageID).last == .discarded)
        #expect(rig.server.jobs.count == 1)
    }

    @Test("an edit whose restore fails leaves the message in the outbox as it was: nothing journalled, nothing sent")
    func editRestoreFails() throws {
        struct DiskFull: Error, CustomStringConvertible { var description: String { "no space left" } }
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil

        let second = try rig.dispatcher()
        second.adoptAbandoned(now: rig.clock.now)
        let refusal = second.edit(frozen.id, now: rig.clock.now) { _ in throw DiskFull() }
        #expect(refusal?.description == "the message could not be reopened (no space left); it stays in the outbox")
        #expect(rig.diskState(frozen.id)?.kind == .interrupted)
        #expect(second.ownedItems.map(\.state.kind) == [.interrupted])
        #expect(try rig.events(frozen.messageID).last == .interrupted)
        #expect(rig.server.jobs.isEmpty)
        // It can still be taken back once the draft can be kept.
        #expect(second.edit(frozen.id, now: rig.clock.now) { _ in } == nil)
        #expect(rig.diskState(frozen.id) == nil)
    }
}
