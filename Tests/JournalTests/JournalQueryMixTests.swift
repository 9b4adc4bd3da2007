import MailCore
import Testing
@testable import Journal

/// The queries `guardmail journal` makes, on a mix of the outcomes a day of mail produces.
@Suite("Send journal: queries over a mix of outcomes")
struct JournalQueryMixTests {
    /// 2026-11-29 00:00 UTC; the messages are an hour apart.
    static let base: Int64 = 1_795_910_400
    static let hour: Int64 = 3_600

    /// Five messages, oldest first:
    /// 1. sent to an IDN domain (To) and an internal Cc;
    /// 2. undone during the hold;
    /// 3. failed permanently (the only recipient refused);
    /// 4. partially sent: To and Cc accepted, Bcc refused;
    /// 5. failed temporarily (451 for both recipients), retried and sent.
    func mix(_ folder: TemporaryFolder) throws -> SendJournal {
        let journal = try SendJournal(path: folder.journal)
        let t1 = Self.base, t2 = Self.base + Self.hour, t3 = Self.base + 2 * Self.hour
        let t4 = Self.base + 3 * Self.hour, t5 = Self.base + 4 * Self.hour

        try journal.recordMessage(
            try message(
                "<m1-sent@example.co.jp>", subject: "お見積書の送付",
                [(.to, "鈴木 花子 <Hanako@日本語.jp>"), (.cc, "boss@example.co.jp")]), at: t1)
        try journal.recordEvent(messageID: "m1-sent@example.co.jp", .held, at: t1, detail: "10 s")
        try journal.recordEvent(messageID: "m1-sent@example.co.jp", .released, at: t1 + 10)
        try journal.recordEvent(messageID: "m1-sent@example.co.jp", .submitting, at: t1 + 10)
        try journal.recordRecipientResults(
            messageID: "m1-sent@example.co.jp",
            results: [
                ("hanako@xn--wgv71a119e.jp", "250 2.1.5 Ok", true),
                ("boss@example.co.jp", "250 2.1.5 Ok", true)
            ], at: t1 + 11)
        try journal.recordEvent(messageID: "m1-sent@example.co.jp", .sent, at: t1 + 11, detail: "250 2.0.0 queued as 4F2A")

        try journal.recordMessage(
            try message(
                "m2-undone@example.co.jp", subject: "誤送信しそうだった",
                [(.to, "wrong@example.com")]), at: t2)
        try journal.recordEvent(messageID: "m2-undone@example.co.jp", .held, at: t2, detail: "10 s")
        try journal.recordEvent(messageID: "m2-undone@example.co.jp", .undone, at: t2 + 4)

        try journal.recordMessage(
            try message(
                "m3-failed@example.co.jp", subject: "Quarterly report",
                [(.to, "nobody@Example.ORG")]), at: t3)
        try journal.recordEvent(messageID: "m3-failed@example.co.jp", .submitting, at: t3 + 1)
        try journal.recordRecipientResults(
            messageID: "m3-failed@example.co.jp",
            results: [("NOBODY@example.org", "550 5.1.1 User unknown", false)], at: t3 + 2)
        try journal.recordEvent(messageID: "m3-failed@example.co.jp", .failed, at: t3 + 2, detail: "550 5.1.1 User unknown")

        try journal.recordMessage(
            try message(
                "m4-partial@example.co.jp", subject: "ご案内",
                [
                    (.to, "ok@example.org"), (.cc, "Kunde <kunde@bücher.example>"),
                    (.bcc, "audit@example.com")
                ],
                findings: [
                    JournalFinding(
                        ruleID: "bcc-external", severity: "confirm",
                        message: "an external Bcc", accepted: true,
                        acceptedBy: "--accept")
                ]),
            at: t4)
        try journal.recordEvent(messageID: "m4-partial@example.co.jp", .submitting, at: t4 + 1)
        try journal.recordRecipientResults(
            messageID: "m4-partial@example.co.jp",
            results: [
                ("ok@example.org", "250 Ok", true),
                ("kunde@xn--bcher-kva.example", "250 Ok", true),
                ("audit@example.com", "550 5.7.1 relay denied", false)
            ], at: t4 + 2)
        try journal.recordEvent(messageID: "m4-partial@example.co.jp", .partiallySent, at: t4 + 2)

        try journal.recordMessage(
            try message(
                "m5-retried@example.co.jp", subject: "再送: 議事録",
                [(.to, "taro@日本語.jp"), (.to, "ok@example.org")]), at: t5)
        try journal.recordEvent(messageID: "m5-retried@example.co.jp", .submitting, at: t5 + 1)
        try journal.recordRecipientResults(
            messageID: "m5-retried@example.co.jp",
            results: [
                ("taro@xn--wgv71a119e.jp", "451 4.3.0 try again later", false),
                ("ok@example.org", "451 4.3.0 try again later", false)
            ], at: t5 + 2)
        try journal.recordEvent(messageID: "m5-retried@example.co.jp", .failedTemporarily, at: t5 + 2, detail: "451 4.3.0 try again later")
        try journal.recordEvent(messageID: "m5-retried@example.co.jp", .submitting, at: t5 + 300)
        try journal.recordRecipientResults(
            messageID: "m5-retried@example.co.jp",
            results: [
                ("taro@日本語.jp", "250 2.1.5 Ok", true),
                ("ok@example.org", "250 2.1.5 Ok", true)
            ], at: t5 + 301)
        try journal.recordEvent(messageID: "m5-retried@example.co.jp", .sent, at: t5 + 301)
        return journal
    }

    @Test("list: newest first, each with its latest outcome and its latest per-recipient counts")
    func listOutcomes() throws {
        let folder = try TemporaryFolder()
        let journal = try mix(folder)
        let all = try journal.list()
        #expect(
            all.map(\.messageID) == [
                "m5-retried@example.co.jp", "m4-partial@example.co.jp", "m3-failed@example.co.jp",
                "m2-undone@example.co.jp", "m1-sent@example.co.jp"
            ])
        #expect(all.map(\.outcome) == [.sent, .partiallySent, .failed, .undone, .sent])
        #expect(all.map(\.outcome.label) == ["sent", "partially sent", "failed", "undone", "sent"])
        #expect(all.map(\.recipientCount) == [2, 3, 1, 1, 2])
        // The retried message: the later 250s replace the 451s.
        #expect(all.map(\.acceptedCount) == [2, 2, 0, 0, 2])
        #expect(all.map(\.refusedCount) == [0, 1, 1, 0, 0])
        #expect(all[0].confirmedAt == Self.base + 4 * Self.hour && all[0].lastEventAt == Self.base + 4 * Self.hour + 301)
        #expect(all[3].lastEventAt == Self.base + Self.hour + 4)
        #expect(all[1].domains == ["bücher.example", "example.com", "example.org"])
        #expect(all[0].domains == ["example.org", "日本語.jp"])
        #expect(all[4].subject == "お見積書の送付")
        #expect(try journal.list(limit: 3).map(\.messageID) == Array(all.prefix(3).map(\.messageID)))
    }

    @Test("list(since:): confirmed at or after the time, the boundary included")
    func listSince() throws {
        let folder = try TemporaryFolder()
        let journal = try mix(folder)
        #expect(
            try journal.list(since: Self.base + 3 * Self.hour).map(\.messageID)
                == ["m5-retried@example.co.jp", "m4-partial@example.co.jp"])
        // A message whose last event is after `since` but that was confirmed before it is not listed.
        #expect(try journal.list(since: Self.base + 4 * Self.hour + 1).isEmpty)
        #expect(try journal.list(since: Self.base).count == 5)
        #expect(try journal.list(since: 0, limit: 1).map(\.messageID) == ["m5-retried@example.co.jp"])
    }

    @Test("list(domain:): Unicode or A-label input, any case, the same messages")
    func listDomain() throws {
        let folder = try TemporaryFolder()
        let journal = try mix(folder)
        let japanese = ["m5-retried@example.co.jp", "m1-sent@example.co.jp"]
        #expect(try journal.list(domain: "日本語.jp").map(\.messageID) == japanese)
        #expect(try journal.list(domain: "xn--wgv71a119e.jp").map(\.messageID) == japanese)
        #expect(try journal.list(domain: "XN--WGV71A119E.JP").map(\.messageID) == japanese)
        #expect(try journal.list(domain: "日本語.JP.").map(\.messageID) == japanese)
        #expect(try journal.list(domain: "bücher.example").map(\.messageID) == ["m4-partial@example.co.jp"])
        #expect(try journal.list(domain: "xn--bcher-kva.example").map(\.messageID) == ["m4-partial@example.co.jp"])
        #expect(try journal.list(domain: "BÜCHER.example").map(\.messageID) == ["m4-partial@example.co.jp"])
        #expect(
            try journal.list(domain: "example.org").map(\.messageID)
                == ["m5-retried@example.co.jp", "m4-partial@example.co.jp", "m3-failed@example.co.jp"])
        #expect(try journal.list(domain: "jp").isEmpty)
        #expect(try journal.list(domain: "example.net").isEmpty)
        #expect(
            try journal.list(since: Self.base + 4 * Self.hour, domain: "example.org").map(\.messageID)
                == ["m5-retried@example.co.jp"])
    }

    @Test("list(to:): the address in any case and either domain form")
    func listTo() throws {
        let folder = try TemporaryFolder()
        let journal = try mix(folder)
        #expect(try journal.list(to: "hanako@日本語.jp").map(\.messageID) == ["m1-sent@example.co.jp"])
        #expect(try journal.list(to: "HANAKO@XN--WGV71A119E.JP").map(\.messageID) == ["m1-sent@example.co.jp"])
        #expect(try journal.list(to: "鈴木 花子 <hanako@日本語.jp>").map(\.messageID) == ["m1-sent@example.co.jp"])
        #expect(try journal.list(to: "OK@Example.Org").map(\.messageID) == ["m5-retried@example.co.jp", "m4-partial@example.co.jp"])
        #expect(try journal.list(to: "kunde@xn--bcher-kva.example").map(\.messageID) == ["m4-partial@example.co.jp"])
        #expect(try journal.list(to: "audit@example.com").map(\.messageID) == ["m4-partial@example.co.jp"])
        #expect(try journal.list(to: "wrong@example.com").map(\.outcome) == [.undone])
        #expect(try journal.list(to: "taro@example.co.jp").isEmpty) // the sender, not a recipient
        #expect(try journal.list(domain: "example.com", to: "wrong@example.com").map(\.messageID) == ["m2-undone@example.co.jp"])
    }

    @Test("show: events in the order recorded, each recipient with its latest reply, every reply kept")
    func show() throws {
        let folder = try TemporaryFolder()
        let journal = try mix(folder)
        let t4 = Self.base + 3 * Self.hour, t5 = Self.base + 4 * Self.hour

        let partial = try #require(try journal.show(messageID: "<m4-partial@example.co.jp>"))
        #expect(partial.outcome == .partiallySent)
        #expect(partial.events.map(\.kind) == [.confirmed, .submitting, .partiallySent])
        #expect(partial.events.map(\.at) == [t4, t4 + 1, t4 + 2])
        #expect(partial.message.recipients.map(\.field) == [.to, .cc, .bcc])
        #expect(partial.message.recipients.map(\.accepted) == [true, true, false])
        #expect(partial.message.recipients.map(\.result) == ["250 Ok", "250 Ok", "550 5.7.1 relay denied"])
        #expect(partial.message.recipients[1].domain == "bücher.example")
        #expect(partial.message.recipients[1].asciiDomain == "xn--bcher-kva.example")
        #expect(partial.message.recipients[1].displayName == "Kunde")
        #expect(
            partial.message.findings == [
                JournalFinding(
                    ruleID: "bcc-external", severity: "confirm", message: "an external Bcc",
                    accepted: true, acceptedBy: "--accept")
            ])

        let retried = try #require(try journal.show(messageID: "m5-retried@example.co.jp"))
        #expect(retried.events.map(\.kind) == [.confirmed, .submitting, .failedTemporarily, .submitting, .sent])
        #expect(retried.events[2].detail == "451 4.3.0 try again later")
        #expect(retried.events.map(\.at) == retried.events.map(\.at).sorted())
        #expect(retried.message.recipients.map(\.accepted) == [true, true])
        #expect(retried.message.recipients.map(\.resultAt) == [t5 + 301, t5 + 301])
        #expect(retried.results.map(\.accepted) == [false, false, true, true])
        #expect(retried.results.map(\.reply) == ["451 4.3.0 try again later", "451 4.3.0 try again later", "250 2.1.5 Ok", "250 2.1.5 Ok"])
        #expect(retried.results.map(\.address) == ["taro@xn--wgv71a119e.jp", "ok@example.org", "taro@xn--wgv71a119e.jp", "ok@example.org"])

        let failed = try #require(try journal.show(messageID: "m3-failed@example.co.jp"))
        #expect(failed.events.last == JournalEvent(kind: .failed, at: Self.base + 2 * Self.hour + 2, detail: "550 5.1.1 User unknown"))
        #expect(failed.message.recipients.map(\.address) == ["nobody@example.org"])
        #expect(failed.message.recipients.map(\.accepted) == [false])

        let undone = try #require(try journal.show(messageID: "m2-undone@example.co.jp"))
        #expect(undone.events.map(\.kind) == [.confirmed, .held, .undone])
        #expect(undone.message.recipients.map(\.accepted) == [nil])
        #expect(undone.results.isEmpty)

        let sent = try #require(try journal.show(messageID: " <m1-sent@example.co.jp> "))
        #expect(sent.events.map(\.kind) == [.confirmed, .held, .released, .submitting, .sent])
        #expect(sent.events.last?.detail == "250 2.0.0 queued as 4F2A")
        #expect(sent.message.recipients.map(\.address) == ["Hanako@xn--wgv71a119e.jp", "boss@example.co.jp"])

        #expect(try journal.show(messageID: "m6-never@example.co.jp") == nil)
    }
}
