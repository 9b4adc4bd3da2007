import Foundation
import Journal
import Outbox
import Store
import Testing
import Workflow
@testable import Delivery

/// The hold: what freezing writes, when the tick sends, and where undo stops winning.
@Suite("Dispatcher: the hold and undo")
struct DispatcherHoldTests {
    @Test("freezing writes a held entry, claimed, journalled as held, and sends nothing")
    func freezeHolds() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], cc: ["carol@example.com"], hold: 10)

        #expect(rig.diskState(frozen.id) == .holding(releaseAt: frozen.releaseAt, recipients: ["bob@example.com", "carol@example.com"]))
        #expect(rig.outbox.isClaimed(id: frozen.id))
        #expect(try rig.events(frozen.messageID) == [.confirmed, .held])
        #expect(try rig.journal(frozen.messageID).confirmedAt == Int64(DispatcherRig.start))
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("a tick before the release time sends nothing; the tick at it sends once, marked submitting on disk before the first byte")
    func tickAtReleaseTime() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@example.com"], hold: 10)

        #expect(dispatcher.tick(now: frozen.releaseAt + -0.001).isEmpty)
        #expect(rig.server.jobs.isEmpty)
        #expect(rig.diskState(frozen.id)?.kind == .holding)

        rig.server.then(ScriptedServer.accepted)
        let reports = dispatcher.tick(now: frozen.releaseAt)
        #expect(reports.map(\.outcome) == [.sent])
        #expect(rig.server.jobs.map(\.request.recipients) == [["bob@example.com", "carol@example.com"]])
        #expect(rig.server.jobs.first?.request.mailFrom == "taro@example.jp")
        #expect(rig.server.statesOnDisk == [.submitting(attempt: 1, recipients: ["bob@example.com", "carol@example.com"])])
        // The bytes handed over are the frozen message.
        let sent = String(decoding: try #require(rig.server.messages.first), as: UTF8.self)
        #expect(sent.contains("Subject: Quarterly figures"))
        #expect(sent.contains("Message-ID: \(frozen.messageID)"))

        // Ticks after the end change nothing and send nothing again.
        #expect(dispatcher.tick(now: frozen.releaseAt + 100).isEmpty)
        #expect(rig.server.jobs.count == 1)
    }

    @Test("undo at the last instant before the release time wins: the draft comes back, nothing is sent")
    func undoJustBefore() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)
        let lastInstant = Instant(seconds: frozen.releaseAt.seconds.nextDown)

        var restored: [DraftRecord?] = []
        let result = dispatcher.undo(frozen.id, now: lastInstant) { restored.append($0) }
        guard case .restored = result else {
            Issue.record("expected .restored, got \(result)")
            return
        }
        #expect(restored == [frozen.draft])
        #expect(rig.diskState(frozen.id) == nil)
        #expect(try rig.events(frozen.messageID) == [.confirmed, .held, .undone])
        // The release time passing afterwards sends nothing.
        #expect(dispatcher.tick(now: frozen.releaseAt + 1).isEmpty)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("undo at the release time loses: the message goes, the composer gets nothing back")
    func undoAtReleaseTime() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)
        rig.server.then(ScriptedServer.accepted)

        var restoreCalled = false
        let result = dispatcher.undo(frozen.id, now: frozen.releaseAt) { _ in restoreCalled = true }
        guard case .tooLate(let report) = result else {
            Issue.record("expected .tooLate, got \(result)")
            return
        }
        #expect(report?.outcome == .sent)
        #expect(!restoreCalled)
        #expect(rig.server.jobs.count == 1)
        #expect(rig.diskState(frozen.id) == nil)
        #expect(rig.hasSentCopy(frozen.id))
        #expect(try rig.events(frozen.messageID) == [.confirmed, .held, .submitting, .sent])
    }

    @Test("a restore that fails keeps the message held: nothing is lost and nothing is sent")
    func undoRestoreFails() throws {
        struct DiskFull: Error {}
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)

        let result = dispatcher.undo(frozen.id, now: frozen.releaseAt + -5) { _ in throw DiskFull() }
        guard case .notRestored = result else {
            Issue.record("expected .notRestored, got \(result)")
            return
        }
        #expect(rig.diskState(frozen.id)?.kind == .holding)
        #expect(dispatcher.ownedItems.map(\.state.kind) == [.holding])
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("release during the hold sends at once, before the release time")
    func earlyRelease() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 60)
        rig.server.then(ScriptedServer.accepted)

        let report = dispatcher.release(frozen.id, now: frozen.releaseAt + -59)
        #expect(report?.outcome == .sent)
        #expect(report?.exitStatus == 0)
        #expect(rig.server.jobs.count == 1)
        let submitting = try rig.journal(frozen.messageID).events.first { $0.kind == .submitting }
        #expect(submitting?.detail == "released by the user")
    }

    @Test("discarding a held message removes it; nothing is sent")
    func discardHeld() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)

        #expect(dispatcher.discard(frozen.id, now: rig.clock.now))
        #expect(rig.diskState(frozen.id) == nil)
        #expect(try rig.events(frozen.messageID).last == .discarded)
        #expect(dispatcher.tick(now: frozen.releaseAt).isEmpty)
        #expect(rig.server.jobs.isEmpty)
    }

    @Test("an entry whose state.toml is damaged during the hold is reported once, never sent, and let go")
    func damagedDuringTheHold() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)
        let state = rig.outbox.entryDirectory(id: frozen.id) + "/state.toml"
        try "state = \"holding\"\nrelease_at = 1e999\n".write(toFile: state, atomically: true, encoding: .utf8)

        let reports = dispatcher.tick(now: frozen.releaseAt)
        #expect(reports.map(\.outcome) == [.failedPermanently])
        #expect(reports.first?.exitStatus == 65)
        #expect(reports.first?.lines.first?.hasPrefix("not sent: its files changed during the hold") == true, "\(reports)")
        #expect(rig.server.jobs.isEmpty)
        #expect(rig.isReleased(frozen.id))
        #expect(try rig.events(frozen.messageID).last == .failed)
        #expect(rig.outbox.list().problems.map(\.id) == [frozen.id])
        // Said once: the next ticks have nothing more to say about it.
        #expect(dispatcher.tick(now: frozen.releaseAt + 1).isEmpty)
    }

    @Test("a recipient swapped in record.toml and state.toml alike during the hold: never sent, to anyone; exit 65, damaged")
    func recipientSwappedDuringHold() throws {
        let rig = try DispatcherRig()
        let dispatcher = try rig.dispatcher()
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)
        try rig.swapRecipient("bob@example.com", for: "mallory@example.net", of: frozen.id)

        let report = try #require(dispatcher.tick(now: frozen.releaseAt).first)
        #expect(rig.server.jobs.isEmpty)
        #expect(report.exitStatus == 65)
        #expect(report.lines.first?.contains("the recipients in its record.toml changed after it was confirmed") == true)
        #expect(dispatcher.ownedItems.isEmpty)
        #expect(rig.outbox.list().problems.map(\.id) == [frozen.id])
    }

    @Test("a freeze whose writeOutbox fails (its id is taken) freezes nothing: not owned, no spool file left, the other entry untouched")
    func writeOutboxFails() throws {
        let rig = try DispatcherRig(repeatingIDs: true)
        let dispatcher = try rig.dispatcher()
        let first = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 10)

        #expect(throws: DeliveryError.self) { try rig.freeze(dispatcher, to: ["carol@example.com"], hold: 10) }
        #expect(dispatcher.ownedItems.map(\.id) == [first.id])
        #expect(rig.diskState(first.id) == .holding(releaseAt: first.releaseAt, recipients: ["bob@example.com"]))
        #expect(try rig.events(first.messageID) == [.confirmed, .held])
        #expect(FileSystem.listDirectory(rig.paths.spoolDirectory).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(rig.server.jobs.isEmpty)
    }
}
