import Journal
import Outbox
import Testing
import Workflow
@testable import Delivery

/// Two guardmail processes on one outbox: `guardmail outbox cancel|release` from another terminal
/// while the owner counts down. The state lock decides, not the clock: a cancel made before the
/// owner's tick wins even after the release time; one made once the tick has marked the message
/// submitting is refused.
@Suite("Dispatcher: another terminal cancels or releases")
struct DispatcherTerminalsTests {
    @Test("a cancel from another terminal before the owner's tick wins, even after the release time: nothing is sent")
    func cancelBeforeTickWins() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 10)
        let other = try rig.dispatcher()

        // The release time has come, but the owner has not ticked yet.
        #expect(other.cancel(frozen.id, now: frozen.releaseAt) == .done)
        #expect(rig.diskState(frozen.id) == nil)

        let reports = owner.tick(now: frozen.releaseAt)
        #expect(reports.map(\.outcome) == [.cancelledElsewhere])
        #expect(reports.first?.exitStatus == 0)
        #expect(rig.server.jobs.isEmpty)
        #expect(owner.ownedItems.isEmpty)
        let last = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(last.kind == .undone)
        #expect(last.detail == "cancelled with guardmail outbox cancel")
    }

    @Test("a cancel from another terminal once the tick marked it submitting is refused, and the message goes")
    func cancelAfterTickTooLate() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 10)
        let other = try rig.dispatcher()

        var cancelled: Dispatcher.RemoteResult?
        rig.server.during = { _ in cancelled = other.cancel(frozen.id, now: frozen.releaseAt) }
        rig.server.then(ScriptedServer.accepted)
        let reports = owner.tick(now: frozen.releaseAt)

        #expect(cancelled == .tooLate("it is being submitted to the server"))
        #expect(reports.map(\.outcome) == [.sent])
        #expect(rig.hasSentCopy(frozen.id))
        #expect(try rig.events(frozen.messageID).last == .sent)
    }

    @Test("a cancel from another terminal before a late undo: the undo reports the cancel, nothing is sent")
    func cancelBeforeLateUndo() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 10)
        let other = try rig.dispatcher()

        #expect(other.cancel(frozen.id, now: frozen.releaseAt) == .done)
        let result = owner.undo(frozen.id, now: frozen.releaseAt) { _ in }
        guard case .tooLate(let report) = result else {
            Issue.record("expected .tooLate, got \(result)")
            return
        }
        #expect(report?.outcome == .cancelledElsewhere)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("cancel is the machine's discard on the state on disk: an interrupted message nobody runs is removed, journalled discarded")
    func cancelInterrupted() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil
        try rig.outbox.write(id: frozen.id, state: .interrupted(recipients: ["bob@example.com"]))

        let other = try rig.dispatcher()
        #expect(other.cancel(frozen.id, now: rig.clock.now) == .done)
        #expect(rig.diskState(frozen.id) == nil)
        let last = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(last.kind == .discarded)
        #expect(last.detail == "cancelled with guardmail outbox cancel")
    }

    @Test("cancel where discard is illegal removes nothing: submitting is too late, a missing entry is not found")
    func cancelIllegal() throws {
        let rig = try DispatcherRig()
        var first: Dispatcher? = try rig.dispatcher()
        let frozen = try rig.freeze(first!, to: ["bob@example.com"], hold: 10)
        first = nil
        try rig.outbox.write(id: frozen.id, state: .submitting(attempt: 1, recipients: ["bob@example.com"]))

        let other = try rig.dispatcher()
        #expect(other.cancel(frozen.id, now: rig.clock.now) == .tooLate("it is being submitted to the server"))
        #expect(rig.diskState(frozen.id)?.kind == .submitting)
        #expect(other.cancel("20260101-000000-nothere", now: rig.clock.now) == .notFound)
    }

    @Test("cancel of a message this process holds: discarded by its own machine, journalled as undone, nothing sent")
    func cancelOwnHold() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)

        #expect(dispatcher.cancel(frozen.id, now: rig.clock.now) == .done)
        #expect(rig.diskState(frozen.id) == nil)
        #expect(dispatcher.ownedItems.isEmpty)
        let last = try #require(try rig.journal(frozen.messageID).events.last)
        #expect(last.kind == .undone)
        #expect(last.detail == "cancelled")
        #expect(dispatcher.tick(now: frozen.releaseAt).isEmpty)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("a release asked for from another terminal is sent by the owner at its next tick, before the release time")
    func releaseRequested() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 60)
        let other = try rig.dispatcher()

        #expect(other.requestRelease(frozen.id) == .done)
        #expect(rig.server.jobs.isEmpty)
        rig.server.then(ScriptedServer.accepted)
        let reports = owner.tick(now: frozen.releaseAt + -50)
        #expect(reports.map(\.outcome) == [.sent])
        let submitting = try rig.journal(frozen.messageID).events.first { $0.kind == .submitting }
        #expect(submitting?.detail == "released from another terminal")
    }

    @Test("another terminal cannot release or take over a message the owner is counting down")
    func ownedElsewhere() throws {
        let rig = try DispatcherRig()
        let owner = try rig.dispatcher()
        let frozen = try rig.freeze(owner, to: ["bob@example.com"], hold: 60)
        let other = try rig.dispatcher()

        #expect(try other.adopt(frozen.id, now: rig.clock.now) == false)
        #expect(other.release(frozen.id, now: frozen.releaseAt) == nil)
        let seen = try #require(other.items().items.first)
        #expect(seen.ownedElsewhere)
        #expect(!seen.needsUser)
        #expect(rig.server.jobs.isEmpty)
        #expect(rig.diskState(frozen.id)?.kind == .holding)
    }
}
