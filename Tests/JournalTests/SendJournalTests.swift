import Foundation
import MailCore
import Store
import Testing
@testable import Journal

/// A fresh folder for one test, removed at the end.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gm-journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    var journal: String { path + "/journal.sqlite" }
}

/// A message with the usual parts; `recipients` as (field, "Name <address>").
func message(
    _ id: String, subject: String = "お見積書の送付", _ recipients: [(RecipientField, String)],
    attachments: [JournalAttachment] = [], findings: [JournalFinding] = []
) throws -> JournalMessage {
    JournalMessage(
        messageID: id, account: "work", from: "山田 太郎 <taro@example.co.jp>", subject: subject,
        recipients: try recipients.map { field, text in JournalRecipient(try AddressParser.parseMailbox(text), field: field) },
        attachments: attachments, findings: findings)
}

func expectJournalError(
    _ kind: JournalError.Kind, _ body: () throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) -> JournalError? {
    do {
        try body()
        Issue.record("expected a \(kind) error, got none", sourceLocation: sourceLocation)
        return nil
    } catch let error as JournalError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a JournalError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite("Send journal: schema and files")
struct JournalSchemaTests {
    @Test("a new journal gets the schema, WAL mode, mode 0600; reopening keeps the rows")
    func createAndReopen() throws {
        let folder = try TemporaryFolder()
        do {
            let journal = try SendJournal(path: folder.journal)
            #expect(try journal.schemaVersion() == JournalSchema.currentVersion)
            #expect(try journal.database.scalarText("PRAGMA journal_mode", [], "test") == "wal")
            #expect(try journal.database.scalarInteger("PRAGMA synchronous", [], "test") == 2) // FULL
            let triggers = try journal.database.scalarInteger(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", [], "test")
            #expect(triggers == Int64(JournalSchema.appendOnlyTables.count * 2))
            try journal.recordMessage(try message("a@host", [(.to, "hanako@example.jp")]), at: 100)
            journal.close()
            journal.close() // twice is fine
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.journal)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let reopened = try SendJournal(path: folder.journal)
        #expect(try reopened.schemaVersion() == JournalSchema.currentVersion)
        #expect(try reopened.list().map(\.messageID) == ["a@host"])
    }

    @Test("an empty SQLite file at version 0 is migrated; a newer schema is refused")
    func migrationAndNewerSchema() throws {
        let folder = try TemporaryFolder()
        do {
            let raw = try SQLiteDatabase(path: folder.journal)
            try raw.execute("CREATE TABLE unrelated (x INTEGER)", "test")
        }
        let journal = try SendJournal(path: folder.journal)
        #expect(try journal.schemaVersion() == JournalSchema.currentVersion)
        journal.close()

        let newer = folder.path + "/newer.sqlite"
        do {
            let raw = try SQLiteDatabase(path: newer)
            try raw.execute("PRAGMA user_version = 99", "test")
        }
        let error = expectJournalError(.newerSchema) { _ = try SendJournal(path: newer) }
        #expect(error?.description.contains(newer) == true)
        #expect(error?.description.contains("newer guardmail") == true)
    }

    @Test("a file that is not a database gives a clear error naming it")
    func corruptFile() throws {
        let folder = try TemporaryFolder()
        try Data("this is not a database, it is a shopping list\n".utf8 + [UInt8](repeating: 0x41, count: 4096))
            .write(to: URL(fileURLWithPath: folder.journal))
        let error = expectJournalError(.corrupt) { _ = try SendJournal(path: folder.journal) }
        #expect(error?.description.hasPrefix("send journal '\(folder.journal)': ") == true)
        #expect(error?.description.contains("not a SQLite database") == true)
    }

    @Test("a damaged database (header intact, pages garbage) is reported as damaged")
    func damagedDatabase() throws {
        let folder = try TemporaryFolder()
        do {
            let journal = try SendJournal(path: folder.journal)
            for i in 0..<50 {
                try journal.recordMessage(try message("m\(i)@host", [(.to, "a\(i)@example.org")]), at: Int64(i))
            }
            try journal.database.execute("PRAGMA wal_checkpoint(TRUNCATE)", "test")
        }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.journal)))
        #expect(bytes.count > 8192)
        for i in 100..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.journal))
        let error = expectJournalError(.corrupt) {
            let journal = try SendJournal(path: folder.journal)
            _ = try journal.list()
        }
        #expect(error?.description.contains(folder.journal) == true)
    }

    @Test("a path in a missing folder, under a file, or that is a folder cannot be opened, and the error says so")
    func unopenablePaths() throws {
        let folder = try TemporaryFolder()
        let missing = folder.path + "/no/such/folder/journal.sqlite"
        let e1 = expectJournalError(.cannotOpen) { _ = try SendJournal(path: missing) }
        #expect(e1?.description.contains(missing) == true)
        #expect(e1?.description.contains("does not exist") == true || e1?.description.contains("no such file") == true)

        let file = folder.path + "/plain.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let underFile = file + "/journal.sqlite"
        let e2 = expectJournalError(.cannotOpen) { _ = try SendJournal(path: underFile) }
        #expect(e2?.description.contains(underFile) == true)

        let e3 = expectJournalError(.cannotOpen) { _ = try SendJournal(path: folder.path) }
        #expect(e3?.description.contains(folder.path) == true)
    }

    @Test("a read-only journal refuses writes with an error naming the file", .enabled(if: getuid() != 0, "root ignores file modes"))
    func readOnlyFile() throws {
        let folder = try TemporaryFolder()
        do { _ = try SendJournal(path: folder.journal) }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: folder.journal)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.journal) }
        do {
            let journal = try SendJournal(path: folder.journal)
            try journal.recordMessage(try message("x@host", [(.to, "a@example.org")]), at: 1)
            Issue.record("a read-only journal accepted a write")
        } catch let error as JournalError {
            #expect(error.kind == .readOnly)
            #expect(error.description.contains(folder.journal))
            #expect(error.description.contains("read-only"))
        }
        // Reading still works: `guardmail journal` on a journal it may not write.
        #expect(try SendJournal(path: folder.journal).list().isEmpty)

        // A folder the journal cannot be created in.
        let locked = folder.path + "/locked"
        try FileManager.default.createDirectory(
            atPath: locked, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o500])
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked) }
        let error = expectJournalError(.cannotOpen) { _ = try SendJournal(path: locked + "/journal.sqlite") }
        #expect(error?.description.contains(locked + "/journal.sqlite") == true)
        #expect(error?.description.contains("permission denied") == true)
    }

    @Test("open(paths:) creates the data folder and uses journal.sqlite in it")
    func openWithPaths() throws {
        let folder = try TemporaryFolder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data/guardmail")
        let journal = try SendJournal.open(paths: paths)
        #expect(journal.path == folder.path + "/data/guardmail/journal.sqlite")
        #expect(FileManager.default.fileExists(atPath: journal.path))
    }

    @Test("a closed journal fails with .closed instead of crashing")
    func closedJournal() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        journal.close()
        _ = expectJournalError(.closed) { _ = try journal.list() }
    }
}

@Suite("Send journal: append-only")
struct JournalAppendOnlyTests {
    @Test("UPDATE and DELETE are refused on every event table", arguments: JournalSchema.appendOnlyTables)
    func triggersRefuse(table: String) throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        // One row in every table: the finding was challenged (finding_outcomes), the screen timed
        // (confirmations), which screen it was (confirmation_screens), the challenge answered
        // (challenge_answers).
        var recorded = try message(
            "a@host", [(.to, "hanako@example.jp")],
            attachments: [
                JournalAttachment(
                    name: "a.pdf", size: 1, sha256: "00", contentType: "application/pdf",
                    parties: [JournalParty(name: "田中建設株式会社", kind: "company", place: "page 1, line 3")])
            ],
            findings: [
                JournalFinding(ruleID: "new-recipient", severity: "confirm", message: "m", accepted: true, acceptedBy: "confirmation screen", challenged: true)
            ])
        recorded.confirmMilliseconds = 1200
        recorded.confirmScreen = "full"
        recorded.challenges = [JournalChallenge(form: .domain, subject: "example.jp")]
        try journal.recordMessage(recorded, at: 10)
        try journal.recordRecipientResults(messageID: "a@host", results: [("hanako@example.jp", "250 ok", true)], at: 11)
        let before = try journal.database.scalarInteger("SELECT count(*) FROM \(table)", [], "test")
        #expect(before == 1)

        let update = expectJournalError(.appendOnly) { try journal.database.execute("UPDATE \(table) SET id = id", "test") }
        #expect(update?.description.contains("append-only") == true)
        #expect(update?.description.contains(folder.journal) == true)
        _ = expectJournalError(.appendOnly) { try journal.database.execute("DELETE FROM \(table)", "test") }
        #expect(try journal.database.scalarInteger("SELECT count(*) FROM \(table)", [], "test") == before)
    }

    @Test("INSERT OR REPLACE cannot replace a message either")
    func replaceRefused() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(try message("a@host", subject: "original", [(.to, "hanako@example.jp")]), at: 10)
        _ = expectJournalError(.appendOnly) {
            try journal.database.run(
                """
                INSERT OR REPLACE INTO messages (message_id, confirmed_at, account, from_address, subject)
                VALUES (?, ?, ?, ?, ?)
                """, [.text("a@host"), .integer(1), .text("x"), .text("x"), .text("replaced")], "test")
        }
        #expect(try journal.show(messageID: "a@host")?.message.subject == "original")
    }

    @Test("recording the same Message-ID twice is refused; corrections are new rows")
    func duplicatesAndCorrections() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(try message("<a@host>", [(.to, "hanako@example.jp")]), at: 10)
        let error = expectJournalError(.duplicateMessage) {
            try journal.recordMessage(try message("a@host", [(.to, "other@example.jp")]), at: 11)
        }
        #expect(error?.description.contains("<a@host>") == true)

        try journal.recordEvent(messageID: "a@host", .unknown, at: 20, detail: "connection dropped after DATA")
        try journal.recordRecipientResults(messageID: "a@host", results: [("hanako@example.jp", "(no reply)", false)], at: 20)
        // Later it turns out the server had it: a correction, recorded as new rows.
        try journal.recordRecipientResults(messageID: "a@host", results: [("HANAKO@example.jp", "250 found in the server log", true)], at: 30)
        try journal.recordEvent(messageID: "a@host", .sent, at: 30, detail: "corrected from the server log")
        let entry = try #require(try journal.show(messageID: "a@host"))
        #expect(entry.outcome == .sent)
        #expect(entry.message.recipients[0].accepted == true)
        #expect(entry.message.recipients[0].result == "250 found in the server log")
        #expect(entry.results.map(\.accepted) == [false, true])
        #expect(entry.events.map(\.kind) == [.confirmed, .unknown, .sent])
    }

    @Test("events and results for unknown messages or recipients are refused, all or nothing")
    func unknownMessageAndRecipient() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        _ = expectJournalError(.unknownMessage) { try journal.recordEvent(messageID: "nope@host", .sent, at: 1) }
        _ = expectJournalError(.unknownMessage) {
            try journal.recordRecipientResults(messageID: "nope@host", results: [("a@example.org", "250", true)], at: 1)
        }
        try journal.recordMessage(try message("a@host", [(.to, "a@example.org"), (.cc, "b@example.org")]), at: 1)
        let error = expectJournalError(.unknownRecipient) {
            try journal.recordRecipientResults(
                messageID: "a@host",
                results: [("a@example.org", "250", true), ("stranger@example.org", "250", true)], at: 2)
        }
        #expect(error?.description.contains("stranger@example.org") == true)
        // The first result of the failed call was rolled back with it.
        #expect(try journal.show(messageID: "a@host")?.results.isEmpty == true)
        #expect(try journal.history().addresses.isEmpty)
    }
}

@Suite("Send journal: recording and reading")
struct JournalQueryTests {
    /// Four messages: sent (IDN domain), undone, failed, partially sent.
    func populated(_ folder: TemporaryFolder) throws -> SendJournal {
        let journal = try SendJournal(path: folder.journal)
        let pdf = JournalAttachment(
            name: "見積書_2026年度.pdf", size: 48_213,
            sha256: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
            contentType: "application/pdf")
        let csv = JournalAttachment(
            name: "顧客一覧.csv", size: 1_024, sha256: String(repeating: "ab", count: 32),
            contentType: "text/csv; charset=utf-8")

        // 1. Sent, to an IDN domain and an internal Cc, with an accepted finding.
        try journal.recordMessage(
            try message(
                "<sent-1@example.co.jp>", [(.to, "鈴木 花子 <hanako@日本語.jp>"), (.cc, "boss@example.co.jp")],
                attachments: [pdf],
                findings: [
                    JournalFinding(
                        ruleID: "new-domain", severity: "confirm",
                        message: "1 domain you have never written to: 日本語.jp",
                        accepted: true, acceptedBy: "confirmation screen")
                ]),
            at: 1_000)
        try journal.recordEvent(messageID: "sent-1@example.co.jp", .held, at: 1_000, detail: "10 s")
        try journal.recordEvent(messageID: "sent-1@example.co.jp", .released, at: 1_010)
        try journal.recordEvent(messageID: "sent-1@example.co.jp", .submitting, at: 1_010)
        try journal.recordRecipientResults(
            messageID: "sent-1@example.co.jp",
            results: [
                ("hanako@xn--wgv71a119e.jp", "250 2.1.5 Ok", true),
                ("boss@example.co.jp", "250 2.1.5 Ok", true)
            ], at: 1_011)
        try journal.recordEvent(messageID: "sent-1@example.co.jp", .sent, at: 1_011)

        // 2. Undone during the hold.
        try journal.recordMessage(
            try message(
                "undone-2@example.co.jp", subject: "誤送信しそうだった", [(.to, "wrong@example.com")],
                attachments: [csv]), at: 2_000)
        try journal.recordEvent(messageID: "undone-2@example.co.jp", .held, at: 2_000, detail: "10 s")
        try journal.recordEvent(messageID: "undone-2@example.co.jp", .undone, at: 2_004)

        // 3. Failed: the server refused the only recipient.
        try journal.recordMessage(try message("failed-3@example.co.jp", subject: "Quarterly report", [(.to, "nobody@Example.ORG")]), at: 3_000)
        try journal.recordEvent(messageID: "failed-3@example.co.jp", .submitting, at: 3_001)
        try journal.recordRecipientResults(
            messageID: "failed-3@example.co.jp",
            results: [("nobody@example.org", "550 5.1.1 User unknown", false)], at: 3_002)
        try journal.recordEvent(messageID: "failed-3@example.co.jp", .failed, at: 3_002, detail: "550 5.1.1 User unknown")

        // 4. Partially sent: To accepted, Bcc refused.
        try journal.recordMessage(
            try message("partial-4@example.co.jp", subject: "ご案内", [(.to, "ok@example.org"), (.bcc, "audit@example.com")]),
            at: 4_000)
        try journal.recordEvent(messageID: "partial-4@example.co.jp", .submitting, at: 4_001)
        try journal.recordRecipientResults(
            messageID: "partial-4@example.co.jp",
            results: [("ok@example.org", "250 Ok", true), ("audit@example.com", "550 relay denied", false)],
            at: 4_002)
        try journal.recordEvent(messageID: "partial-4@example.co.jp", .partiallySent, at: 4_002)
        return journal
    }

    @Test("list: newest first, with outcome, counts and domains")
    func listAll() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        let all = try journal.list()
        #expect(all.map(\.messageID) == ["partial-4@example.co.jp", "failed-3@example.co.jp", "undone-2@example.co.jp", "sent-1@example.co.jp"])
        #expect(all.map(\.outcome) == [.partiallySent, .failed, .undone, .sent])
        let sent = all[3]
        #expect(sent.confirmedAt == 1_000 && sent.lastEventAt == 1_011)
        #expect(sent.subject == "お見積書の送付")
        #expect(sent.recipientCount == 2 && sent.acceptedCount == 2 && sent.refusedCount == 0)
        #expect(sent.domains == ["example.co.jp", "日本語.jp"])
        #expect(sent.attachmentCount == 1 && sent.attachmentBytes == 48_213)
        let partial = all[0]
        #expect(partial.acceptedCount == 1 && partial.refusedCount == 1)
        #expect(all[2].acceptedCount == 0 && all[2].refusedCount == 0)
        #expect(try journal.list(limit: 2).count == 2)
    }

    @Test("list --since")
    func listSince() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        #expect(try journal.list(since: 3_000).map(\.messageID) == ["partial-4@example.co.jp", "failed-3@example.co.jp"])
        #expect(try journal.list(since: 5_000).isEmpty)
    }

    @Test("list --domain: case-insensitive, Unicode or A-label form, exact domain")
    func listDomain() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        #expect(try journal.list(domain: "日本語.jp").map(\.messageID) == ["sent-1@example.co.jp"])
        #expect(try journal.list(domain: "XN--WGV71A119E.JP").map(\.messageID) == ["sent-1@example.co.jp"])
        #expect(try journal.list(domain: "Example.Org").map(\.messageID) == ["partial-4@example.co.jp", "failed-3@example.co.jp"])
        #expect(try journal.list(domain: "example.com").map(\.messageID) == ["partial-4@example.co.jp", "undone-2@example.co.jp"])
        #expect(try journal.list(domain: "co.jp").isEmpty)
        #expect(try journal.list(since: 4_000, domain: "example.com").map(\.messageID) == ["partial-4@example.co.jp"])
    }

    @Test("list --to: the envelope address, either domain form, with or without a name")
    func listTo() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        #expect(try journal.list(to: "hanako@日本語.jp").map(\.messageID) == ["sent-1@example.co.jp"])
        #expect(try journal.list(to: "Hanako <HANAKO@xn--wgv71a119e.jp>").map(\.messageID) == ["sent-1@example.co.jp"])
        #expect(try journal.list(to: "nobody@example.org").map(\.messageID) == ["failed-3@example.co.jp"])
        #expect(try journal.list(to: "audit@example.com").map(\.messageID) == ["partial-4@example.co.jp"])
        #expect(try journal.list(to: "hanako@example.jp").isEmpty)
        #expect(try journal.list(domain: "example.org", to: "ok@example.org").map(\.messageID) == ["partial-4@example.co.jp"])
    }

    @Test("show: the full record, with or without angle brackets; nil for an unknown Message-ID")
    func show() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        let entry = try #require(try journal.show(messageID: "<sent-1@example.co.jp>"))
        #expect(entry.message.messageID == "sent-1@example.co.jp")
        #expect(entry.message.account == "work")
        #expect(entry.message.from == "山田 太郎 <taro@example.co.jp>")
        #expect(entry.confirmedAt == 1_000)
        #expect(
            entry.events == [
                JournalEvent(kind: .confirmed, at: 1_000), JournalEvent(kind: .held, at: 1_000, detail: "10 s"),
                JournalEvent(kind: .released, at: 1_010), JournalEvent(kind: .submitting, at: 1_010),
                JournalEvent(kind: .sent, at: 1_011)
            ])
        let hanako = entry.message.recipients[0]
        #expect(hanako.address == "hanako@xn--wgv71a119e.jp")
        #expect(hanako.displayName == "鈴木 花子")
        #expect(hanako.field == .to)
        #expect(hanako.domain == "日本語.jp" && hanako.asciiDomain == "xn--wgv71a119e.jp")
        #expect(hanako.result == "250 2.1.5 Ok" && hanako.accepted == true && hanako.resultAt == 1_011)
        #expect(entry.message.recipients[1].field == .cc)
        #expect(
            entry.message.attachments == [
                JournalAttachment(
                    name: "見積書_2026年度.pdf", size: 48_213,
                    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", contentType: "application/pdf")
            ])
        #expect(
            entry.message.findings == [
                JournalFinding(
                    ruleID: "new-domain", severity: "confirm",
                    message: "1 domain you have never written to: 日本語.jp",
                    accepted: true, acceptedBy: "confirmation screen")
            ])
        #expect(entry.results.count == 2)

        let undone = try #require(try journal.show(messageID: "undone-2@example.co.jp"))
        #expect(undone.outcome == .undone)
        #expect(undone.message.recipients[0].result == nil && undone.message.recipients[0].accepted == nil)

        let partial = try #require(try journal.show(messageID: "partial-4@example.co.jp"))
        #expect(partial.message.recipients.map(\.field) == [.to, .bcc])
        #expect(partial.message.recipients.map(\.accepted) == [true, false])
        #expect(partial.message.recipients[1].result == "550 relay denied")

        #expect(try journal.show(messageID: "nothing@example.co.jp") == nil)
    }

    @Test("unfinished: messages whose latest event is not final, for a restart")
    func unfinished() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        try journal.recordMessage(try message("held-5@example.co.jp", [(.to, "x@example.org")]), at: 5_000)
        try journal.recordEvent(messageID: "held-5@example.co.jp", .held, at: 5_000, detail: "10 s")
        #expect(try journal.unfinished().map(\.messageID) == ["held-5@example.co.jp", "partial-4@example.co.jp", "failed-3@example.co.jp"])
        try journal.recordEvent(messageID: "held-5@example.co.jp", .interrupted, at: 6_000)
        try journal.recordEvent(messageID: "held-5@example.co.jp", .discarded, at: 6_001)
        try journal.recordEvent(messageID: "failed-3@example.co.jp", .edited, at: 6_002)
        #expect(try journal.unfinished().map(\.messageID) == ["partial-4@example.co.jp"])
    }

    @Test("every event kind is accepted by the schema's CHECK list", arguments: JournalEventKind.allCases)
    func everyKind(kind: JournalEventKind) throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(try message("k@host", [(.to, "a@example.org")]), at: 1)
        try journal.recordEvent(messageID: "k@host", kind, at: 2, detail: kind.label)
        #expect(try journal.show(messageID: "k@host")?.outcome == kind)
        #expect(try journal.list().first?.outcome == kind)
    }

    @Test("history: only recipients the server accepted, in the shapes the policy uses")
    func history() throws {
        let folder = try TemporaryFolder()
        let journal = try populated(folder)
        let history = try journal.history()
        #expect(history.addresses == ["hanako@xn--wgv71a119e.jp", "boss@example.co.jp", "ok@example.org"])
        #expect(history.domains == ["日本語.jp", "example.co.jp", "example.org"])
        // The shapes match what the policy's SendHistory takes from the sent folder.
        let mailbox = try AddressParser.parseMailbox("Hanako <Hanako@日本語.jp>")
        #expect(history.addresses.contains(mailbox.addressKey.lowercased()))
        #expect(history.domains.contains(mailbox.domain))
    }

    @Test("correspondents: one row an address delivered to, with the newest name and time and the count; refused ones are not there")
    func correspondents() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(try message("c1@host", [(.to, "田中 一郎 <ichiro@tanaka.example>"), (.cc, "no@example.org")]), at: 100)
        try journal.recordRecipientResults(
            messageID: "c1@host", results: [("ichiro@tanaka.example", "250", true), ("no@example.org", "550 no", false)], at: 101)
        try journal.recordMessage(try message("c2@host", [(.to, "Tanaka Ichiro <Ichiro@tanaka.example>")]), at: 200)
        try journal.recordRecipientResults(messageID: "c2@host", results: [("Ichiro@tanaka.example", "250", true)], at: 201)
        try journal.recordMessage(try message("c3@host", [(.to, "hanako@example.jp")]), at: 300)
        try journal.recordRecipientResults(messageID: "c3@host", results: [("hanako@example.jp", "250", true)], at: 301)
        let rows = try journal.correspondents().sorted { $0.lastSent < $1.lastSent }
        #expect(
            rows == [
                SendJournal.Correspondent(address: "Ichiro@tanaka.example", displayName: "Tanaka Ichiro", lastSent: 200, count: 2),
                SendJournal.Correspondent(address: "hanako@example.jp", displayName: nil, lastSent: 300, count: 1)
            ])
    }

    @Test("Japanese subjects, names, file names and details round-trip; values never become SQL")
    func japaneseRoundTrip() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        let subject = "【ご案内】お見積書の送付（第２版）🍣 '); DROP TABLE messages; --"
        let attachment = JournalAttachment(
            name: "見積書　最終版 (確定).xlsx", size: 0, sha256: "", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        let recipient = JournalRecipient(address: "\"山田 'x'\"@例え.テスト", displayName: "髙橋 﨑子", field: .bcc)
        let draft = JournalMessage(
            messageID: "<日本-1@例え.jp>", account: "仕事", from: "山田 太郎 <taro@example.co.jp>",
            subject: subject, recipients: [recipient], attachments: [attachment],
            findings: [
                JournalFinding(
                    ruleID: "personal-data", severity: "confirm",
                    message: "マイナンバーらしき番号が 2 件", accepted: false)
            ])
        try journal.recordMessage(draft, at: 1)
        try journal.recordEvent(messageID: "日本-1@例え.jp", .failed, at: 2, detail: "サーバーが拒否しました")
        journal.close()

        let entry = try #require(try SendJournal(path: folder.journal).show(messageID: "日本-1@例え.jp"))
        #expect(entry.message.subject == subject)
        #expect(entry.message.account == "仕事")
        #expect(entry.message.attachments == [attachment])
        #expect(entry.message.recipients[0].displayName == "髙橋 﨑子")
        #expect(entry.message.recipients[0].domain == "例え.テスト")
        #expect(entry.message.recipients[0].address.hasPrefix("\"山田 'x'\"@xn--"))
        #expect(entry.message.findings[0].message == "マイナンバーらしき番号が 2 件")
        #expect(entry.message.findings[0].accepted == false && entry.message.findings[0].acceptedBy == nil)
        #expect(entry.events.last == JournalEvent(kind: .failed, at: 2, detail: "サーバーが拒否しました"))
        let reopened = try SendJournal(path: folder.journal)
        #expect(try reopened.list(domain: "例え.テスト").map(\.subject) == [subject])
        #expect(try reopened.list(domain: "例え.テスト").first?.domains == ["例え.テスト"])
    }

    @Test("empty strings stay empty strings, not NULL")
    func emptyStrings() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(
            JournalMessage(
                messageID: "e@host", account: "", from: "", subject: "",
                recipients: [JournalRecipient(address: "a@example.org", displayName: "", field: .to)]), at: 1)
        try journal.recordEvent(messageID: "e@host", .sent, at: 2, detail: "")
        let entry = try #require(try journal.show(messageID: "e@host"))
        #expect(entry.message.subject == "" && entry.message.account == "")
        #expect(entry.message.recipients[0].displayName == "")
        #expect(entry.events.last?.detail == "")
    }
}

@Suite("Send journal: two connections (WAL)")
struct JournalConcurrencyTests {
    @Test("a second open of the same file sees the first's rows, and writes while the first reads")
    func twoConnections() throws {
        let folder = try TemporaryFolder()
        let first = try SendJournal(path: folder.journal)
        let second = try SendJournal(path: folder.journal)
        try first.recordMessage(try message("one@host", [(.to, "a@example.org")]), at: 1)
        #expect(try second.list().map(\.messageID) == ["one@host"])

        // The first connection is in the middle of reading; the second writes meanwhile (WAL:
        // readers do not block the writer) and the reader keeps its snapshot.
        try first.database.withStatement("SELECT message_id FROM messages ORDER BY id", "test") { (statement: borrowing SQLiteStatement) throws(JournalError) in
            try statement.bind([])
            #expect(try statement.step())
            #expect(statement.text(0) == "one@host")
            try second.recordMessage(try! message("two@host", [(.to, "b@example.org")]), at: 2)
            try second.recordEvent(messageID: "one@host", .sent, at: 3)
            #expect(try statement.step() == false)
        }
        #expect(try first.list().map(\.messageID) == ["two@host", "one@host"])
        #expect(try first.show(messageID: "one@host")?.outcome == .sent)
        #expect(FileManager.default.fileExists(atPath: folder.journal + "-wal"))
    }

    @Test("two connections opening a new file at the same time both end with the schema")
    func concurrentCreation() async throws {
        // Twenty fresh files, eight openers each: the race (both switching a new file to WAL)
        // lost about one CI run in three with four openers and one file.
        for _ in 0..<20 {
            let folder = try TemporaryFolder()
            let path = folder.journal
            let versions = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let journal = try SendJournal(path: path)
                        return try journal.schemaVersion()
                    }
                }
                var all: [Int64] = []
                for try await version in group { all.append(version) }
                return all
            }
            #expect(versions == Array(repeating: JournalSchema.currentVersion, count: 8))
        }
    }
}

@Suite("Send journal: names")
struct JournalNamesTests {
    @Test("Message-IDs lose spaces and angle brackets; addresses and domains get one form")
    func normalisation() {
        #expect(JournalNames.messageID("  <abc@host> ") == "abc@host")
        #expect(JournalNames.messageID("abc@host") == "abc@host")
        #expect(JournalNames.addressKey("鈴木 <Hanako@日本語.JP>") == "hanako@xn--wgv71a119e.jp")
        #expect(JournalNames.addressKey("hanako@XN--WGV71A119E.jp") == "hanako@xn--wgv71a119e.jp")
        #expect(JournalNames.domainForms("日本語.JP") == (unicode: "日本語.jp", ascii: "xn--wgv71a119e.jp"))
        #expect(JournalNames.domainForms("Example.ORG.") == (unicode: "example.org", ascii: "example.org"))
        let recipient = JournalRecipient(address: "Taro@日本語.jp", field: .to)
        #expect(recipient.address == "Taro@xn--wgv71a119e.jp")
        #expect(recipient.addressKey == "taro@xn--wgv71a119e.jp")
        #expect(recipient.domain == "日本語.jp")
    }
}
