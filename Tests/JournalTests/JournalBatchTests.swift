import Foundation
import MailCore
import Store
import Testing
@testable import Journal

@Suite("Send journal: batches in one transaction")
struct JournalBatchTests {
    @Test("recordMessages: many messages with confirmed and held events, read back like single ones")
    func recordMany() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        let messages = try (0..<300).map { i in
            try message(
                "bulk-\(i)@host", subject: "ご案内 \(i)", [(.to, "宛先\(i) <user\(i)@example.org>")],
                attachments: [JournalAttachment(name: "案内.pdf", size: 10, sha256: "AB", contentType: "application/pdf")],
                findings: [JournalFinding(ruleID: "new-recipient", severity: "info", message: "m", accepted: false)])
        }
        try journal.recordMessages(messages, at: 100, then: .held, detail: "bulk job X: hold 0 s")
        let list = try journal.list()
        #expect(list.count == 300)
        let shown = try #require(try journal.show(messageID: "bulk-7@host"))
        #expect(shown.message.subject == "ご案内 7")
        #expect(shown.message.recipients.map(\.address) == ["user7@example.org"])
        #expect(shown.message.recipients.first?.displayName == "宛先7")
        #expect(shown.message.attachments.first?.sha256 == "ab")
        #expect(shown.message.findings.map(\.ruleID) == ["new-recipient"])
        #expect(shown.events.map(\.kind) == [.confirmed, .held])
        #expect(shown.events.last?.detail == "bulk job X: hold 0 s")
    }

    @Test("recordMessages is all or nothing: a duplicate Message-ID in the batch records none of it")
    func recordManyAllOrNothing() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessage(try message("old@host", [(.to, "a@example.org")]), at: 1)
        let batch = [try message("new1@host", [(.to, "b@example.org")]), try message("old@host", [(.to, "c@example.org")])]
        let error = expectJournalError(.duplicateMessage) { try journal.recordMessages(batch, at: 2) }
        #expect(error?.description.contains("old@host") == true)
        #expect(try journal.list().map(\.messageID) == ["old@host"])
        let twice = [try message("x@host", [(.to, "b@example.org")]), try message("x@host", [(.to, "c@example.org")])]
        _ = expectJournalError(.duplicateMessage) { try journal.recordMessages(twice, at: 3) }
        #expect(try journal.show(messageID: "x@host") == nil)
    }

    @Test("record: results and events for many messages in one transaction; the latest row wins")
    func recordOutcomes() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessages(
            [
                try message("a@host", [(.bcc, "one@example.org"), (.bcc, "two@例え.jp"), (.bcc, "three@example.org")]),
                try message("b@host", [(.to, "four@example.org")])
            ], at: 1)
        try journal.record(
            [
                JournalBatchRecord(messageID: "a@host", event: .submitting, detail: "recipients #1-3"),
                JournalBatchRecord(messageID: "b@host", event: .submitting, detail: "recipients #4")
            ], at: 2)
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: "a@host",
                    results: [
                        JournalResultInput(address: "one@example.org", reply: "250 ok", accepted: true),
                        JournalResultInput(address: "TWO@xn--r8jz45g.jp", reply: "452 4.5.3 Too many recipients", accepted: false),
                        JournalResultInput(address: "three@example.org", reply: "550 5.1.1 No such user", accepted: false)
                    ], event: .partiallySent, detail: "2 refused"),
                JournalBatchRecord(
                    messageID: "b@host",
                    results: [
                        JournalResultInput(address: "four@example.org", reply: "250 ok", accepted: true)
                    ], event: .sent)
            ], at: 3)
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: "a@host",
                    results: [
                        JournalResultInput(address: "two@例え.jp", reply: "250 ok", accepted: true)
                    ], event: .partiallySent, detail: "1 refused")
            ], at: 4)
        let progress = try journal.progress(of: ["<a@host>", "b@host", "missing@host"])
        #expect(progress.keys.sorted() == ["<a@host>", "b@host"])
        let a = try #require(progress["<a@host>"])
        #expect(a.events.map(\.kind) == [.confirmed, .submitting, .partiallySent, .partiallySent])
        #expect(a.events[1].detail == "recipients #1-3")
        #expect(a.latestEvent == .partiallySent)
        #expect(a.latestResults["one@example.org"]?.accepted == true)
        #expect(a.latestResults["two@xn--r8jz45g.jp"]?.accepted == true)
        #expect(a.latestResults["two@xn--r8jz45g.jp"]?.reply == "250 ok")
        #expect(a.latestResults["three@example.org"]?.reply == "550 5.1.1 No such user")
        #expect(a.latestResults["three@example.org"]?.at == 3)
        #expect(progress["b@host"]?.latestEvent == .sent)
        // The summaries agree with the single-message reads.
        let summary = try #require(try journal.list().first { $0.messageID == "a@host" })
        #expect(summary.acceptedCount == 2)
        #expect(summary.refusedCount == 1)
    }

    @Test("record is all or nothing: an unknown message or recipient leaves no row behind")
    func recordAllOrNothing() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        try journal.recordMessages([try message("a@host", [(.to, "one@example.org")])], at: 1)
        _ = expectJournalError(.unknownMessage) {
            try journal.record(
                [
                    JournalBatchRecord(messageID: "a@host", event: .submitting),
                    JournalBatchRecord(messageID: "nope@host", event: .submitting)
                ], at: 2)
        }
        _ = expectJournalError(.unknownRecipient) {
            try journal.record(
                [
                    JournalBatchRecord(
                        messageID: "a@host", results: [JournalResultInput(address: "one@example.org", reply: "250", accepted: true)],
                        event: .sent),
                    JournalBatchRecord(messageID: "a@host", results: [JournalResultInput(address: "other@example.org", reply: "250", accepted: true)])
                ], at: 3)
        }
        let progress = try #require(try journal.progress(of: ["a@host"])["a@host"])
        #expect(progress.events.map(\.kind) == [.confirmed])
        #expect(progress.latestResults.isEmpty)
    }

    @Test("thousands of messages in one call are quick (one commit, not one per message)")
    func batchIsFast() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        let mailboxes = try (0..<3000).map { try AddressParser.parseMailbox("user\($0)@example.org") }
        let messages = mailboxes.enumerated().map { i, mailbox in
            JournalMessage(
                messageID: "m\(i)@host", account: "work", from: "taro@example.jp", subject: "s",
                recipients: [JournalRecipient(mailbox, field: .to)])
        }
        let start = Date()
        try journal.recordMessages(messages, at: 1, then: .held)
        try journal.record(
            messages.map {
                JournalBatchRecord(
                    messageID: $0.messageID, results: [JournalResultInput(address: $0.recipients[0].address, reply: "250", accepted: true)],
                    event: .sent)
            }, at: 2)
        let progress = try journal.progress(of: messages.map(\.messageID))
        let elapsed = Date().timeIntervalSince(start)
        #expect(progress.count == 3000)
        #expect(progress.values.allSatisfy { $0.latestEvent == .sent && $0.latestResults.count == 1 })
        #expect(elapsed < 10, "3000 messages took \(elapsed) s")
    }
}

@Suite("Send journal: the quick address key")
struct FastAddressKeyTests {
    @Test(
        "plain envelope addresses are their own key lowercased; everything else goes through the parser, with the same result",
        arguments: [
            "user1@example.org", "Taro.Yamada@Example.CO.JP", "a+tag@xn--r8jz45g.jp", "o'brien@example.com",
            "x_y-z@sub.example.org", "\"quoted local\"@example.org", "山田 <taro@例え.jp>", "taro@例え.jp",
            "a..b@example.org", "a@example..org", ".a@example.org", "a@-example.org", "a@b", "no-at-sign",
            "two@at@example.org", "@example.org", "a@"
        ])
    func sameAsTheParser(_ address: String) {
        #expect(SendJournal.fastAddressKey(address) == JournalNames.addressKey(address))
    }

    @Test(
        "dots and dashes at every edge the one-pass check must see agree with the parser too",
        arguments: [
            "a.@example.org", "a@.example.org", "a@example.org.", "a@example.org-", "a-@example.org", "-a@example.org",
            "a@example-.org", "a.b.c@x.y.z", "A..@x", "a@x..", ".@x", "a@.", "@", ".", "", "a@b.c@d",
            "a b@example.org", "a@exa_mple.org", "a+b@ex+ample.org"
        ])
    func edgesAgree(_ address: String) {
        #expect(SendJournal.fastAddressKey(address) == JournalNames.addressKey(address))
    }
}

@Suite("Send journal: many results for one message")
struct ManyResultsTests {
    @Test("a window of results for a message with thousands of recipients finds each recipient, and refuses a stranger")
    func manyResults() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        let people = try (0..<500).map { try AddressParser.parseMailbox("p\($0)@例え.jp") }
        try journal.recordMessages(
            [
                JournalMessage(
                    messageID: "big@host", account: "a", from: "f@example.jp", subject: "s",
                    recipients: people.map { JournalRecipient($0, field: .bcc) })
            ], at: 1)
        try journal.record(
            [
                JournalBatchRecord(
                    messageID: "big@host",
                    results: people.prefix(100).map {
                        JournalResultInput(address: $0.envelopeAddress, reply: "250 OK", accepted: true)
                    } + [JournalResultInput(address: "P7@例え.jp", reply: "550 no", accepted: false)], event: .partiallySent)
            ], at: 2)
        let progress = try #require(try journal.progress(of: ["big@host"])["big@host"])
        #expect(progress.latestResults.count == 100)
        #expect(progress.latestResults[people[7].envelopeAddress.lowercased()]?.reply == "550 no")
        #expect(progress.latestResults[people[8].envelopeAddress.lowercased()]?.accepted == true)
        _ = expectJournalError(.unknownRecipient) {
            try journal.record(
                [
                    JournalBatchRecord(
                        messageID: "big@host",
                        results: people.prefix(40).map {
                            JournalResultInput(address: $0.envelopeAddress, reply: "250 OK", accepted: true)
                        } + [JournalResultInput(address: "stranger@example.org", reply: "250 OK", accepted: true)])
                ], at: 3)
        }
        #expect(try journal.progress(of: ["big@host"])["big@host"]?.latestResults.count == 100)
    }
}
