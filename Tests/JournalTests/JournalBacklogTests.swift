import Foundation
import Store
import Testing
@testable import Journal

@Suite("Journal backlog: writes kept while the journal is locked")
struct JournalBacklogTests {
    @Test("an entry survives encoding, whatever its text holds")
    func roundTrip() {
        let entries: [JournalBacklogEntry] = [
            .event(messageID: "a b%c@host", kind: .sent, at: 1_790_000_000, detail: nil),
            .event(messageID: "m@host", kind: .failedTemporarily, at: 5, detail: "attempt 1: 421 4.3.2 try\r\nlater; 100% 日本語\t-"),
            .event(messageID: "m@host", kind: .unknown, at: 5, detail: "-"),
            .event(messageID: "m@host", kind: .unknown, at: 5, detail: ""),
            .results(
                messageID: "m@host",
                results: [
                    JournalResultInput(address: "a@example.jp", reply: "250 2.1.5 OK", accepted: true),
                    JournalResultInput(address: "b@日本語.jp", reply: "550 5.1.1 no such user", accepted: false)
                ], at: 7)
        ]
        for entry in entries {
            let text = JournalBacklog.encode(entry)
            #expect(JournalBacklog.decode(text) == entry, "\(text)")
            #expect(text.split(separator: "\n").allSatisfy { !$0.contains("\r") && !$0.contains("\t") })
        }
    }

    @Test(
        "damaged files are not read as entries",
        arguments: [
            "", "guardmail-journal-backlog 2\nmessage m@h\nevent sent 1 -\n", "guardmail-journal-backlog 1\nmessage m@h\n",
            "guardmail-journal-backlog 1\nmessage m@h\nevent shipped 1 -\n", "guardmail-journal-backlog 1\nmessage m@h\nevent sent x -\n",
            "guardmail-journal-backlog 1\nmessage m@h\nevent sent 1 %4\n", "guardmail-journal-backlog 1\nmessage m@h\nresult 1 2 a@b 250\n",
            "guardmail-journal-backlog 1\nmessage m@h\nresult 1 1 a@b 250\nresult 2 1 c@d 250\n"
        ])
    func damaged(text: String) {
        #expect(JournalBacklog.decode(text) == nil)
    }

    @Test("kept writes are made in the order they were kept; a locked journal keeps them waiting")
    func replayInOrder() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        try journal.recordMessages([try message("m@host", [(.to, "hanako@example.jp")])], at: 100, then: .held)
        let backlog = JournalBacklog(directory: folder.path + "/journal-backlog")
        #expect(backlog.isEmpty)
        try backlog.keep(.event(messageID: "m@host", kind: .submitting, at: 101, detail: nil), now: 1000.000000001)
        try backlog.keep(
            .results(
                messageID: "m@host",
                results: [
                    JournalResultInput(address: "hanako@example.jp", reply: "250 OK", accepted: true)
                ], at: 102), now: 1000.000000002)
        try backlog.keep(.event(messageID: "m@host", kind: .sent, at: 102, detail: nil), now: 1000.000000003)
        #expect(backlog.pending.count == 3)

        // Another connection holds the write lock: nothing is written, nothing is lost.
        let other = try SendJournal(path: folder.journal)
        try other.database.execute("BEGIN EXCLUSIVE", "test")
        let blocked = try SendJournal(path: folder.journal)
        defer { blocked.close() }
        try blocked.database.execute("PRAGMA busy_timeout = 50", "test")
        let first = backlog.replay(into: blocked)
        #expect(first.replayed == 0)
        #expect(first.stoppedBy != nil)
        #expect(backlog.pending.count == 3)
        try other.database.execute("ROLLBACK", "test")
        other.close()

        let second = backlog.replay(into: journal)
        #expect(second.replayed == 3 && second.stoppedBy == nil && second.problems.isEmpty)
        #expect(backlog.isEmpty)
        let progress = try #require(try journal.progress(of: ["m@host"])["m@host"])
        #expect(progress.events.map(\.kind) == [.confirmed, .held, .submitting, .sent])
        #expect(progress.events.map(\.at) == [100, 100, 101, 102])
        #expect(progress.latestResults["hanako@example.jp"]?.accepted == true)
    }

    @Test("a file that cannot be read or never recorded is set aside, the rest still goes in")
    func badFilesSetAside() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        try journal.recordMessages([try message("m@host", [(.to, "hanako@example.jp")])], at: 100, then: .held)
        let backlog = JournalBacklog(directory: folder.path + "/journal-backlog")
        try backlog.keep(.event(messageID: "nobody@host", kind: .sent, at: 101, detail: nil), now: 1)
        try FileSystem.makeDirectories(backlog.directory)
        try "garbage".write(toFile: backlog.directory + "/00000000000000000002-1-1.entry", atomically: true, encoding: .utf8)
        try backlog.keep(.event(messageID: "m@host", kind: .interrupted, at: 102, detail: "as the outbox has it"), now: 3)
        let replay = backlog.replay(into: journal)
        #expect(replay.replayed == 1)
        #expect(replay.problems.count == 2)
        #expect(backlog.isEmpty)
        #expect(FileSystem.listDirectory(backlog.directory).filter { $0.hasSuffix(".bad") }.count == 2)
        #expect(try journal.progress(of: ["m@host"])["m@host"]?.latestEvent == .interrupted)
    }

    @Test("two processes replaying at once write each kept event once")
    func concurrentReplays() throws {
        let folder = try TemporaryFolder()
        let setup = try SendJournal(path: folder.journal)
        try setup.recordMessages([try message("m@host", [(.to, "hanako@example.jp")])], at: 100, then: .held)
        setup.close()
        let backlog = JournalBacklog(directory: folder.path + "/journal-backlog")
        let count = 200
        for i in 0..<count {
            try backlog.keep(
                .event(
                    messageID: "m@host", kind: i % 2 == 0 ? .submitting : .failedTemporarily, at: 101 + Int64(i),
                    detail: "\(i)"), now: 1000 + Double(i))
        }
        // Each replay on a connection of its own, both started together (as the composer and a
        // `guardmail journal` run can be): without one replay at a time, both list every file
        // and write what the other has not removed yet.
        let path = folder.journal
        let replays = 2
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for _ in 0..<replays {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                guard let journal = try? SendJournal(path: path) else { return }
                defer { journal.close() }
                start.wait()
                _ = backlog.replay(into: journal)
            }
        }
        for _ in 0..<replays { start.signal() }
        done.wait()
        #expect(backlog.isEmpty)
        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        let events = try #require(try journal.progress(of: ["m@host"])["m@host"]).events
        #expect(events.count == 2 + count, "each kept event written once")
        #expect(events.dropFirst(2).map(\.detail) == (0..<count).map { Optional("\($0)") })
    }
}
