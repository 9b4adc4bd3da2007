import Foundation
import Testing
import Bulk
import Journal
import MailCore
import Store
import Transport
@testable import BulkSend

@Suite("Bulk: the state of a job after a crash")
struct BulkRecoveryTests {
    /// A crash inside a window: the journal has the `submitting` mark, the progress log has
    /// replies for the first `answered` submissions and a `start` for the next one.
    func crashedIndividualJob(count: Int, answered: Int, folder: TemporaryFolder, boot: String? = BulkProgressLog.bootID())
        throws -> (BulkJob, SendJournal, String)
    {
        let people = try recipients(count)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let run = "crash1"
        try journal.record(
            job.index.messages.enumerated().map { i, m in
                JournalBatchRecord(
                    messageID: m.messageID, event: .submitting,
                    detail: BulkDetail.submitting(job: job.id, run: run, numbers: [i + 1]))
            }, at: 5)
        var text = "run\t\(run)\t\(boot ?? "-")\t123\n"
        for unit in 1...answered {
            text += "start\t\(run)\t\(unit)\t\(unit)\n"
            text += "done\t\(run)\t\(unit)\tanswered\t-\t250 queued\n"
            text += "r\t\(run)\t\(unit)\t\(unit)\t1\t250 2.1.5 OK\n"
            text += "end\t\(run)\t\(unit)\n"
        }
        text += "start\t\(run)\t\(answered + 1)\t\(answered + 1)\n"
        text += "done\t\(run)\t\(answered + 1)\tansw" // torn: the process died while writing
        try text.write(toFile: job.directory + "/progress.log", atomically: false, encoding: .utf8)
        return (job, journal, run)
    }

    @Test("without the progress log every recipient of the window that was out is unknown: none is resent")
    func journalAlone() throws {
        let folder = try TemporaryFolder()
        let (job, journal, run) = try crashedIndividualJob(count: 12, answered: 4, folder: folder)
        let before = try status(job, journal)
        #expect(before.unknown == 12)
        #expect(before.inFlight.count == 12)
        #expect(before.inFlight.allSatisfy { $0.run == run })
        #expect(BulkRunner.selection(before, options: BulkRunOptions()).isEmpty)
        var resend = BulkRunOptions()
        resend.resendUnknown = true
        #expect(BulkRunner.selection(before, options: resend).count == 12)
    }

    @Test("the progress log of this boot narrows it down: delivered ones recorded, one unknown, the rest sent on resume")
    func progressLogSameBoot() throws {
        let folder = try TemporaryFolder()
        let (job, journal, _) = try crashedIndividualJob(count: 12, answered: 4, folder: folder, boot: "boot-a")
        let before = try status(job, journal)
        let records = BulkRecovery.records(
            job: job, status: before, runs: BulkProgressLog.read(path: job.directory + "/progress.log"),
            bootID: "boot-a")
        #expect(records.count == 12)
        try journal.record(records, at: 6)
        let after = try status(job, journal)
        #expect(after.delivered == 4)
        #expect(after.unknown == 1)
        guard case .unknown = after.states[4] else {
            Issue.record("recipient 5 is \(after.states[4])")
            return
        }
        #expect(after.pending == 7)
        #expect(after.inFlight.isEmpty)
        // The resume sends exactly the seven that never started.
        let server = FakeServer()
        _ = runner(job, journal, server).run(status: after)
        #expect(server.submissions.map { $0.recipients[0] } == (6...12).map { "user\($0)@example.org" })
        let final = try status(job, journal)
        #expect(final.delivered == 11)
        #expect(final.unknown == 1)
    }

    @Test("a progress log from another boot (a power cut may have lost its tail) is not believed")
    func progressLogOtherBoot() throws {
        let folder = try TemporaryFolder()
        let (job, journal, _) = try crashedIndividualJob(count: 6, answered: 2, folder: folder, boot: "boot-a")
        let before = try status(job, journal)
        let runs = BulkProgressLog.read(path: job.directory + "/progress.log")
        #expect(BulkRecovery.records(job: job, status: before, runs: runs, bootID: "boot-b").isEmpty)
        #expect(BulkRecovery.records(job: job, status: before, runs: runs, bootID: nil).isEmpty)
        #expect(BulkRecovery.records(job: job, status: before, runs: [:], bootID: "boot-a").isEmpty)
    }

    @Test("bcc: a crash during a window leaves its recipients unknown; the log says which batches went")
    func bccCrash() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(300)
        let (job, journal) = try makeJob(.bcc, people, in: folder)
        let id = job.index.messages[0].messageID
        // Run 1 finished a window: 1-100 delivered.
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: id, event: .submitting,
                    detail: BulkDetail.submitting(job: job.id, run: "one", numbers: Array(1...100)))
            ], at: 2)
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: id,
                    results: people.prefix(100).map {
                        JournalResultInput(address: $0.mailbox.envelopeAddress, reply: "250 OK", accepted: true)
                    }, event: .partiallySent, detail: "…")
            ], at: 3)
        // Run 2 marked 101-300 and died: batch 101-200 answered, 201-300 on the wire.
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: id, event: .submitting,
                    detail: BulkDetail.submitting(job: job.id, run: "two", numbers: Array(101...300)))
            ], at: 4)
        var log = "run\ttwo\tboot-a\t1\nstart\ttwo\t1\t101-200\ndone\ttwo\t1\tanswered\t-\t250\n"
        for n in 101...200 { log += "r\ttwo\t1\t\(n)\t\(n == 150 ? 0 : 1)\t\(n == 150 ? "550 5.1.1 No such user" : "250 OK")\n" }
        log += "end\ttwo\t1\nstart\ttwo\t2\t201-300\n"
        try log.write(toFile: job.directory + "/progress.log", atomically: false, encoding: .utf8)

        let before = try status(job, journal)
        #expect(before.delivered == 100)
        #expect(before.unknown == 200)
        let records = BulkRecovery.records(
            job: job, status: before, runs: BulkProgressLog.read(path: job.directory + "/progress.log"),
            bootID: "boot-a")
        try journal.record(records, at: 5)
        let after = try status(job, journal)
        #expect(after.delivered == 199)
        #expect(after.refusedPermanently == 1)
        #expect(after.unknown == 100)
        #expect((200..<300).allSatisfy { if case .unknown = after.states[$0] { true } else { false } })
        // A later run that resends them (--resend-unknown) and is answered settles them.
        var options = BulkRunOptions()
        options.resendUnknown = true
        let server = FakeServer()
        _ = runner(job, journal, server, options: options).run(status: after)
        let final = try status(job, journal)
        #expect(final.delivered == 299)
        #expect(final.unknown == 0)
        #expect(server.submissions.map(\.recipients.count) == [100])
    }

    @Test("a run's own progress log is read back as written")
    func logRoundTrip() throws {
        let folder = try TemporaryFolder()
        let (job, _) = try makeJob(.bcc, try recipients(5), in: folder)
        let log = try BulkProgressLog(job: job, runID: "abc")
        #expect(log.started(unit: 1, numbers: [1, 2, 3]))
        #expect(
            log.finished(
                unit: 1, kind: .answered, unknown: [], reason: "250 queued",
                results: [(1, true, "250 OK"), (2, false, "550 no\tsuch\nuser"), (3, true, "250 OK")]))
        #expect(log.started(unit: 2, numbers: [4, 5]))
        #expect(log.finished(unit: 2, kind: .lost, unknown: [4, 5], reason: "connection broke", results: []))
        #expect(log.started(unit: 3, numbers: [4]))
        log.close()
        let runs = BulkProgressLog.read(path: log.path)
        let run = try #require(runs["abc"])
        #expect(run.bootID == BulkProgressLog.bootID())
        #expect(run.units[1]?.numbers == [1, 2, 3])
        #expect(run.units[1]?.answer?.results.map(\.reply) == ["250 OK", "550 no\tsuch\nuser", "250 OK"])
        #expect(run.units[2]?.answer?.kind == .lost)
        #expect(run.units[2]?.answer?.unknown == [4, 5])
        #expect(run.units[3]?.numbers == [4])
        #expect(run.units[3]?.answer == nil)
    }
}

@Suite("Bulk: files and details")
struct BulkStoreTests {
    @Test("a frozen job loads back: record, index (with tabs and newlines in names), spool size checked")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        var people = try recipients(3)
        people[1].mailbox.displayName = "Tab\there \\ and\nnewline"
        // bcc mode: the names are in the index only. In individual mode this name would be the
        // To header's display name, which a line break may not enter: that freeze is refused.
        let (job, _) = try makeJob(.bcc, people, in: folder)
        #expect(throws: BulkError.self) {
            _ = try makeJob(.individual, people, in: folder, subject: "{{name}}", body: "{{name}}\n")
        }
        let store = BulkStore(directory: folder.path + "/bulk")
        let loaded = try store.load(id: job.id)
        #expect(loaded.record == job.record)
        #expect(loaded.index == job.index)
        #expect(loaded.index.recipients[1].display.contains("Tab\there"))
        #expect(FileSystem.listDirectory(store.directory).filter { !$0.hasPrefix(".") } == [job.id])
        // A spool file of the wrong size is reported, not sent.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: job.spoolPath))
        try handle.truncate(atOffset: 10)
        try handle.close()
        #expect(throws: BulkError.self) { _ = try store.load(id: job.id) }
        #expect(throws: BulkError.self) { _ = try store.load(id: "../etc") }
        #expect(throws: BulkError.self) { _ = try store.load(id: "20260101-000000-none") }
    }

    @Test("a job is locked by one process at a time")
    func lock() throws {
        let folder = try TemporaryFolder()
        let (job, _) = try makeJob(.bcc, try recipients(2), in: folder)
        let store = BulkStore(directory: folder.path + "/bulk")
        let first = try #require(try store.lock(id: job.id))
        #expect(try store.lock(id: job.id) == nil)
        first.release()
        #expect(try store.lock(id: job.id) != nil)
    }

    @Test("recipient ranges: written compactly, read back exactly")
    func ranges() {
        #expect(BulkDetail.ranges([5, 1, 2, 3, 9, 10, 3]) == "1-3,5,9-10")
        let detail = BulkDetail.submitting(job: "J", run: "R", numbers: [1, 2, 3, 5, 9, 10])
        #expect(detail == "bulk job J run R: recipients #1-3,5,9-10")
        #expect(BulkDetail.numbers(in: detail, after: "recipients #") == [1, 2, 3, 5, 9, 10])
        #expect(BulkDetail.run(in: detail) == "R")
        let unknown = BulkDetail.unknown(job: "J", run: "R", numbers: [7], reason: "the connection broke")
        #expect(BulkDetail.numbers(in: unknown, after: "unknown #") == [7])
        #expect(BulkDetail.numbers(in: "nothing here", after: "recipients #") == nil)
        #expect(BulkDetail.numbers(in: "recipients #x-3", after: "recipients #") == nil)
    }
}
