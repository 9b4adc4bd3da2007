import Foundation
import MailCore
import Testing

@testable import Journal

@Suite("Send journal: migration from schema version 1")
struct JournalMigrationTests {
    /// A journal as version 1 wrote it: one message to two recipients, one result each.
    static func versionOneFile(_ path: String) throws {
        let raw = try SQLiteDatabase(path: path)
        try raw.execute(JournalSchema.version1, "test")
        try raw.execute("PRAGMA user_version = 1", "test")
        try raw.execute(
            """
            INSERT INTO messages (id, message_id, confirmed_at, account, from_address, subject)
                VALUES (1, 'old@host', 100, 'work', 'taro@example.co.jp', 'お見積書');
            INSERT INTO recipients (id, message_row, position, field, address, address_key, display_name, domain, domain_ascii)
                VALUES (1, 1, 0, 'to', 'hanako@bücher.example', 'hanako@xn--bcher-kva.example', '花子', 'bücher.example', 'xn--bcher-kva.example'),
                       (2, 1, 1, 'bcc', 'jiro@example.org', 'jiro@example.org', NULL, 'example.org', 'example.org');
            INSERT INTO events (message_row, at, kind, detail) VALUES (1, 100, 'confirmed', NULL), (1, 101, 'partially-sent', NULL);
            INSERT INTO recipient_results (message_row, recipient_row, at, reply, accepted)
                VALUES (1, 1, 101, '250 2.1.5 Ok', 1), (1, 2, 101, '550 5.1.1 No such user', 0);
            """, "test")
        raw.close()
    }

    static func indexes(_ journal: SendJournal) throws -> Set<String> {
        Set(
            try journal.database.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL", [], "test") {
                (s: borrowing SQLiteStatement) in s.text(0)
            })
    }

    @Test("a version 1 journal is migrated to the current version: three indexes dropped, the parties table added, every row kept")
    func migratesAndKeepsRows() throws {
        let folder = try TemporaryFolder()
        try Self.versionOneFile(folder.journal)
        let journal = try SendJournal(path: folder.journal)
        #expect(try journal.schemaVersion() == 6)
        let indexes = try Self.indexes(journal)
        #expect(!indexes.contains("recipients_by_domain"))
        #expect(!indexes.contains("recipients_by_ascii_domain"))
        #expect(!indexes.contains("results_by_message"))
        #expect(indexes.isSuperset(of: ["recipients_by_message", "recipients_by_address", "results_by_recipient", "events_by_message"]))

        // The readers answer as before: show, list by domain (either form) and by address, history.
        let entry = try #require(try journal.show(messageID: "old@host"))
        #expect(entry.message.recipients.map(\.address) == ["hanako@bücher.example", "jiro@example.org"])
        #expect(entry.message.recipients.map(\.accepted) == [true, false])
        #expect(entry.results.map(\.reply) == ["250 2.1.5 Ok", "550 5.1.1 No such user"])
        #expect(entry.events.map(\.kind) == [.confirmed, .partiallySent])
        #expect(try journal.list(domain: "bücher.example").map(\.messageID) == ["old@host"])
        #expect(try journal.list(domain: "xn--bcher-kva.example").map(\.messageID) == ["old@host"])
        #expect(try journal.list(domain: "example.net").isEmpty)
        #expect(try journal.list(to: "Jiro@Example.org").map(\.messageID) == ["old@host"])
        let summary = try #require(try journal.list().first)
        #expect(summary.acceptedCount == 1 && summary.refusedCount == 1 && summary.recipientCount == 2)
        #expect(try journal.history().addresses == ["hanako@xn--bcher-kva.example"])

        // A correction recorded after the migration is the latest result.
        try journal.recordRecipientResults(
            messageID: "old@host", results: [(address: "jiro@example.org", reply: "250 2.1.5 Ok", accepted: true)], at: 200)
        #expect(try journal.show(messageID: "old@host")?.results.map(\.reply) == ["250 2.1.5 Ok", "550 5.1.1 No such user", "250 2.1.5 Ok"])
        #expect(try journal.history().addresses == ["hanako@xn--bcher-kva.example", "jiro@example.org"])

        // Version 3: a message recorded after the migration keeps the parties its attachments name,
        // in order; the old message's attachments have none.
        let parties = [
            JournalParty(name: "田中建設株式会社", kind: "company", place: "page 1, line 3"),
            JournalParty(name: "田中 一郎様", kind: "person", place: "page 1, line 4")
        ]
        try journal.recordMessage(
            JournalMessage(
                messageID: "new@host", account: "work", from: "taro@example.co.jp", subject: "見積書",
                recipients: [JournalRecipient(address: "ichiro@tanaka.example", field: .to)],
                attachments: [
                    JournalAttachment(name: "見積書.pdf", size: 10, sha256: "ab", contentType: "application/pdf", parties: parties),
                    JournalAttachment(name: "memo.txt", size: 1, sha256: "cd", contentType: "text/plain")
                ]),
            at: 300)
        let recorded = try #require(try journal.show(messageID: "new@host"))
        #expect(recorded.message.attachments.map(\.parties) == [parties, []])
        journal.close()

        // Reopening does not migrate again.
        let reopened = try SendJournal(path: folder.journal)
        #expect(try reopened.schemaVersion() == 6)
        #expect(try reopened.show(messageID: "old@host")?.results.count == 3)
    }

    @Test(
        "a version 3 journal is migrated through version 4 (to 5): its findings kept, the measures' tables added (append-only); old messages have no measures")
    func migratesFromVersion3() throws {
        let folder = try TemporaryFolder()
        let raw = try SQLiteDatabase(path: folder.journal)
        for version in Int64(0)..<3 { try raw.execute(try #require(JournalSchema.migration(from: version)), "test") }
        try raw.execute("PRAGMA user_version = 3", "test")
        try raw.execute(
            """
            INSERT INTO messages (id, message_id, confirmed_at, account, from_address, subject) VALUES (1, 'v3@host', 100, 'work', 'taro@example.jp', 's');
            INSERT INTO findings (message_row, position, rule_id, severity, message, accepted, accepted_by)
                VALUES (1, 0, 'new-domain', 'confirm', '1 domain you have never written to: example.org', 1, 'confirmation screen');
            INSERT INTO events (message_row, at, kind, detail) VALUES (1, 100, 'confirmed', NULL);
            """, "test")
        raw.close()

        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        #expect(try journal.schemaVersion() == 6)
        let entry = try #require(try journal.show(messageID: "v3@host"))
        #expect(entry.message.findings.map(\.ruleID) == ["new-domain"])
        #expect(entry.message.findings.map(\.accepted) == [true])
        #expect(entry.message.findings.map(\.challenged) == [false])
        #expect(entry.message.changedFindings.isEmpty && entry.message.confirmMilliseconds == nil)
        let rows = try journal.reviewRows()
        #expect(rows == [JournalReviewRow(confirmedAt: 100, findings: entry.message.findings)])
        #expect(JournalReport.tally(rows) == [RuleTally(ruleID: "new-domain", fired: 1, accepted: 1)])
        for table in ["finding_outcomes", "confirmations"] {
            let triggers = try journal.database.rows(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", [.text(table)], "test"
            ) { (s: borrowing SQLiteStatement) in s.text(0) }
            #expect(triggers == ["\(table)_no_delete", "\(table)_no_update"])
        }
    }

    @Test("a version 4 journal is migrated to version 5: its time to confirm kept, confirmation_screens added (append-only, checked values)")
    func migratesFromVersion4() throws {
        let folder = try TemporaryFolder()
        let raw = try SQLiteDatabase(path: folder.journal)
        for version in Int64(0)..<4 { try raw.execute(try #require(JournalSchema.migration(from: version)), "test") }
        try raw.execute("PRAGMA user_version = 4", "test")
        try raw.execute(
            """
            INSERT INTO messages (id, message_id, confirmed_at, account, from_address, subject) VALUES (1, 'v4@host', 100, 'work', 'taro@example.jp', 's');
            INSERT INTO events (message_row, at, kind, detail) VALUES (1, 100, 'confirmed', NULL);
            INSERT INTO confirmations (message_row, milliseconds) VALUES (1, 2400);
            """, "test")
        raw.close()

        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        #expect(try journal.schemaVersion() == 6)
        let old = try #require(try journal.show(messageID: "v4@host"))
        #expect(old.message.confirmMilliseconds == 2400)
        // Journalled before: which screen it had is not known.
        #expect(old.message.confirmScreen == nil)
        let triggers = try journal.database.rows(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'confirmation_screens' ORDER BY name", [], "test"
        ) { (s: borrowing SQLiteStatement) in s.text(0) }
        #expect(triggers == ["confirmation_screens_no_delete", "confirmation_screens_no_update"])

        // Messages recorded now say which confirmation they had.
        for (id, screen, milliseconds) in [("held@host", "none", nil), ("one@host", "one-key", 300), ("full@host", "full", 5000)] as [(String, String, Int64?)]
        {
            try journal.recordMessage(
                JournalMessage(
                    messageID: id, account: "work", from: "taro@example.jp", subject: id,
                    recipients: [JournalRecipient(address: "jiro@example.jp", field: .to)], confirmMilliseconds: milliseconds,
                    confirmScreen: screen),
                at: 200)
        }
        #expect(try journal.show(messageID: "held@host")?.message.confirmScreen == "none")
        #expect(try journal.show(messageID: "held@host")?.message.confirmMilliseconds == nil)
        #expect(try journal.show(messageID: "one@host")?.message.confirmScreen == "one-key")
        #expect(try journal.show(messageID: "full@host")?.message.confirmScreen == "full")
        let rows = try journal.reviewRows()
        #expect(rows.map(\.confirmScreen) == [nil, "none", "one-key", "full"])
        #expect(JournalReport.screens(rows) == ["none": 1, "one-key": 1, "full": 1])
        // Only the three words, and never changed.
        #expect(throws: JournalError.self) {
            try journal.database.execute("INSERT INTO confirmation_screens (message_row, screen) VALUES (1, 'skipped')", "test")
        }
        #expect(throws: JournalError.self) {
            try journal.database.execute("UPDATE confirmation_screens SET screen = 'full'", "test")
        }
    }

    @Test(
        "a version 5 journal is migrated to version 6: its screen kept, challenge_answers added (append-only, checked values); old messages have no challenges")
    func migratesFromVersion5() throws {
        let folder = try TemporaryFolder()
        let raw = try SQLiteDatabase(path: folder.journal)
        for version in Int64(0)..<5 { try raw.execute(try #require(JournalSchema.migration(from: version)), "test") }
        try raw.execute("PRAGMA user_version = 5", "test")
        try raw.execute(
            """
            INSERT INTO messages (id, message_id, confirmed_at, account, from_address, subject) VALUES (1, 'v5@host', 100, 'work', 'taro@example.jp', 's');
            INSERT INTO events (message_row, at, kind, detail) VALUES (1, 100, 'confirmed', NULL);
            INSERT INTO confirmation_screens (message_row, screen) VALUES (1, 'full');
            """, "test")
        raw.close()

        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        #expect(try journal.schemaVersion() == 6)
        let old = try #require(try journal.show(messageID: "v5@host"))
        #expect(old.message.confirmScreen == "full")
        // Journalled before: its challenges are not known.
        #expect(old.message.challenges.isEmpty)
        let triggers = try journal.database.rows(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'challenge_answers' ORDER BY name", [], "test"
        ) { (s: borrowing SQLiteStatement) in s.text(0) }
        #expect(triggers == ["challenge_answers_no_delete", "challenge_answers_no_update"])

        // A message recorded now keeps its challenges, in order, the pace's recognisable.
        let challenges = [
            JournalChallenge(form: .domain, subject: "newclient.example", reason: "ticked faster than the items can be read", rushed: true),
            JournalChallenge(form: .fileName, subject: "見積書.pdf", wrongAnswers: 2),
            JournalChallenge(form: .recipientChoice, subject: "a.xlsx", chosen: "jiro@example.com", reason: "the file names another party"),
            JournalChallenge(form: .titleWord, subject: "b.docx", reason: "the file names another party")
        ]
        try journal.recordMessage(
            JournalMessage(
                messageID: "rushed@host", account: "work", from: "taro@example.jp", subject: "s",
                recipients: [JournalRecipient(address: "jiro@newclient.example", field: .to)], confirmScreen: "full", challenges: challenges),
            at: 200)
        try journal.recordMessage(
            JournalMessage(
                messageID: "calm@host", account: "work", from: "taro@example.jp", subject: "s",
                recipients: [JournalRecipient(address: "jiro@newclient.example", field: .to)], confirmScreen: "full",
                challenges: [JournalChallenge(form: .domain, subject: "newclient.example")]),
            at: 201)
        #expect(try journal.show(messageID: "rushed@host")?.message.challenges == challenges)
        #expect(
            challenges.map(\.words) == [
                "typed the domain newclient.example [ticked faster than the items can be read]",
                "typed part of the file name 見積書.pdf, after 2 wrong answers",
                "chose jiro@example.com as the recipient of a.xlsx [the file names another party]",
                "typed the first word of the title of b.docx [the file names another party]"
            ])
        let rows = try journal.reviewRows()
        #expect(rows.map(\.rushed) == [false, true, false])
        #expect(JournalReport.rushed(rows) == 1)
        #expect(JournalReport.rushed(try journal.reviewRows(since: 201)) == 0)
        // Only the four forms, no negative counts, a chosen recipient only for a choice, and never changed.
        for bad in [
            "(1, 0, 'typed', 'x', NULL, NULL, 0, 0)", "(1, 0, 'domain', 'x', NULL, NULL, 0, -1)",
            "(1, 0, 'domain', 'x', 'jiro@example.com', NULL, 0, 0)", "(1, 0, 'domain', 'x', NULL, NULL, 2, 0)",
            "(1, 0, 'domain', 'x', NULL, NULL, 1, 0)"
        ] {
            #expect(throws: JournalError.self) {
                try journal.database.execute(
                    "INSERT INTO challenge_answers (message_row, position, form, subject, chosen, reason, rushed, wrong_answers) VALUES \(bad)", "test")
            }
        }
        #expect(throws: JournalError.self) {
            try journal.database.execute("UPDATE challenge_answers SET rushed = 0", "test")
        }
        #expect(throws: JournalError.self) {
            try journal.database.execute("DELETE FROM challenge_answers WHERE rushed = 1", "test")
        }
        #expect(try journal.show(messageID: "rushed@host")?.message.challenges == challenges)
    }

    @Test("a new journal has the current indexes only")
    func newJournal() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        let indexes = try Self.indexes(journal)
        #expect(
            indexes == [
                "messages_by_time", "recipients_by_message", "recipients_by_address", "attachments_by_message",
                "findings_by_message", "events_by_message", "results_by_recipient", "attachment_parties_by_attachment",
                "finding_outcomes_by_message", "confirmations_by_message", "confirmation_screens_by_message",
                "challenge_answers_by_message"
            ])
    }
}
