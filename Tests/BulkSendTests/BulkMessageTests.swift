import Foundation
import Testing
import Bulk
import MailCore
import Policy
@testable import BulkSend

@Suite("Bulk messages never show one recipient to another")
struct BulkMessageTests {
    @Test("bcc mode: To is the sender or undisclosed-recipients, no Cc, no Bcc; the recipients are nowhere in the bytes")
    func bccMessage() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(250)
        let (job, _) = try makeJob(.bcc, people, in: folder)
        #expect(job.index.messages.count == 1)
        #expect(job.index.recipients.count == 250)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: job.spoolPath))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\r\nTo: =?UTF-8?B?"))
        #expect(text.contains("<taro@example.jp>"))
        #expect(!text.contains("Cc:"))
        #expect(!text.lowercased().contains("bcc"))
        for person in people { #expect(!text.contains(person.mailbox.envelopeAddress)) }

        let undisclosed = try BulkMessages.bcc(from: sender, subject: "s", body: "b", attachments: [], toHeader: .undisclosed)
        var sink = MemorySink()
        try MIMEWriter().write(
            undisclosed,
            stamp: MessageStamp(
                date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0),
                messageID: "<x@y>", boundary: "=_b"),
            opener: NoFiles(), to: &sink)
        #expect(String(decoding: sink.bytes, as: UTF8.self).contains("\r\nTo: undisclosed-recipients:;\r\n"))
    }

    @Test("individual mode: each message shows exactly its own recipient, with their fields filled in")
    func individualMessages() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(20)
        let (job, _) = try makeJob(.individual, people, in: folder, subject: "{{name}} 様へのご案内", body: "{{name}} 様\n本文\n")
        #expect(job.index.messages.count == 20)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: job.spoolPath))
        for (i, message) in job.index.messages.enumerated() {
            let slice = bytes[Int(message.offset)..<Int(message.offset + message.size)]
            let text = String(decoding: slice, as: UTF8.self)
            let own = people[i].mailbox.envelopeAddress
            #expect(text.contains("<\(own)>"))
            let toLines = text.components(separatedBy: "\r\n").filter { $0.hasPrefix("To:") }
            #expect(toLines.count == 1)
            #expect(toLines[0].components(separatedBy: "@").count == 2, "To shows one address: \(toLines[0])")
            for other in people where other != people[i] {
                #expect(!text.contains("<\(other.mailbox.envelopeAddress)>"))
            }
            #expect(job.index.recipients[message.recipients.lowerBound].envelopeAddress == own)
        }
    }

    @Test(
        "a message with more than one visible recipient or any Bcc entry is refused where it is built and where it is written",
        arguments: [
            ["a@example.org", "b@example.org"],
            ["a@example.org", "cc:b@example.org"],
            ["bcc:b@example.org"],
            ["cc:a@example.org", "cc:b@example.org"]
        ])
    func visibleRecipientsRefused(_ shape: [String]) throws {
        var message = OutgoingMessage(from: sender, subject: "s", body: "b")
        for item in shape {
            if item.hasPrefix("cc:") {
                message.cc.append(.mailbox(try AddressParser.parseMailbox(String(item.dropFirst(3)))))
            } else if item.hasPrefix("bcc:") {
                message.bcc.append(.mailbox(try AddressParser.parseMailbox(String(item.dropFirst(4)))))
            } else {
                message.to.append(.mailbox(try AddressParser.parseMailbox(item)))
            }
        }
        #expect(throws: BulkError.self) { try BulkMessages.checkHeaders(message) }
        do {
            try BulkMessages.checkHeaders(message)
        } catch {
            #expect(error.kind == .visibleRecipients)
        }
        // The spool writer checks again before writing a byte.
        let folder = try TemporaryFolder()
        let store = BulkStore(directory: folder.path + "/bulk")
        let record = BulkJobRecord(
            id: "20261129-110203-k3f9", mode: .bcc, account: "t", from: sender.formatted, mailFrom: sender.envelopeAddress,
            subject: "s", recipientFile: "f", recipientCount: 1, messageCount: 1, invalidCount: 0, duplicateCount: 0, toHeader: .sender,
            attachments: [], findings: [], confirmedBy: "x", confirmedAt: 0, holdSeconds: 0, ratePerMinute: nil, batchSize: 100)
        let stamp = MessageStamp(date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0), messageID: "<x@y>", boundary: "=_b")
        #expect(throws: BulkError.self) {
            _ = try store.freeze(record) { (writer: inout BulkSpoolWriter) throws in
                try writer.append(message, stamp: stamp, recipients: [(sender, 1)])
            }
        }
        #expect(!FileManager.default.fileExists(atPath: store.jobDirectory(id: record.id)))
        #expect(FileSystemNames.list(store.directory).isEmpty, "nothing left behind: \(FileSystemNames.list(store.directory))")
    }

    @Test("a subject or recipient name with a line break is refused where the message is built and where it is written")
    func lineBreakRefused() throws {
        #expect(throws: BulkError.self) {
            _ = try BulkMessages.bcc(from: sender, subject: "News\nBcc: x@evil.example", body: "b", attachments: [], toHeader: .sender)
        }
        do {
            _ = try BulkMessages.bcc(from: sender, subject: "News\nBcc: x@evil.example", body: "b", attachments: [], toHeader: .sender)
        } catch {
            #expect(error.kind == .data)
            #expect(error.message.contains("the subject 'News\\nBcc: x@evil.example' has a line feed (LF, U+000A) at position 5"), "\(error.message)")
        }
        var people = try recipients(1)
        people[0].fields["company"] = "Foo\r\nBcc: x@evil.example"
        #expect(throws: BulkError.self) {
            _ = try BulkMessages.individual(
                from: sender, recipient: people[0], subject: Template("For {{company}}"),
                body: Template("y"), attachments: [])
        }
        people[0].mailbox.displayName = "Name\nBcc: x@evil.example"
        #expect(throws: BulkError.self) {
            _ = try BulkMessages.individual(
                from: sender, recipient: people[0], subject: Template("x"), body: Template("y"),
                attachments: [])
        }
        // The spool writer checks again before writing a byte.
        let message = OutgoingMessage(from: sender, subject: "a\rb", body: "b")
        let folder = try TemporaryFolder()
        let store = BulkStore(directory: folder.path + "/bulk")
        let record = BulkJobRecord(
            id: "20261129-110203-k3f8", mode: .bcc, account: "t", from: sender.formatted, mailFrom: sender.envelopeAddress,
            subject: "s", recipientFile: "f", recipientCount: 1, messageCount: 1, invalidCount: 0, duplicateCount: 0, toHeader: .sender,
            attachments: [], findings: [], confirmedBy: "x", confirmedAt: 0, holdSeconds: 0, ratePerMinute: nil, batchSize: 100)
        let stamp = MessageStamp(date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0), messageID: "<x@y>", boundary: "=_b")
        #expect(throws: BulkError.self) {
            _ = try store.freeze(record) { (writer: inout BulkSpoolWriter) throws in
                try writer.append(message, stamp: stamp, recipients: [(sender, 1)])
            }
        }
        #expect(!FileManager.default.fileExists(atPath: store.jobDirectory(id: record.id)))
    }

    @Test("one sender and one recipient in To is fine; an empty To is fine")
    func allowedShapes() throws {
        let people = try recipients(1)
        let message = try BulkMessages.individual(
            from: sender, recipient: people[0], subject: Template("x"), body: Template("y"),
            attachments: [])
        try BulkMessages.checkHeaders(message)
        try BulkMessages.checkHeaders(OutgoingMessage(from: sender))
    }
}

@Suite("Bulk: checks before anything is sent")
struct BulkPreflightTests {
    func list(_ csv: String) throws -> RecipientList { try RecipientFile.parse(bytes: Array(csv.utf8), fileName: "list.csv") }

    @Test("a recipient without a value for a used field is reported with its line, before anything is sent")
    func missingField() throws {
        let people = try list("email,name,company\na@example.org,A,X\nb@example.org,,Y\nc@example.org,C,\n")
        let problems = BulkPreflight.templateProblems(
            mode: .individual, subject: Template("{{company}}"),
            body: Template("{{name}} 様"), list: people)
        #expect(
            problems == [
                "line 3: b@example.org has no value for {{name}}",
                "line 4: c@example.org has no value for {{company}}"
            ])
    }

    @Test("a field no column has is named once, with the columns there are")
    func unknownColumn() throws {
        let people = try list("email,name\na@example.org,A\n")
        let problems = BulkPreflight.templateProblems(mode: .individual, subject: Template("x"), body: Template("{{会社}}"), list: people)
        #expect(problems.count == 1)
        #expect(problems[0].contains("no column '会社'"))
        #expect(problems[0].contains("'email', 'name'"))
    }

    @Test("bcc mode cannot fill in fields: a placeholder is refused")
    func bccPlaceholder() throws {
        let people = try list("email,name\na@example.org,A\n")
        let problems = BulkPreflight.templateProblems(mode: .bcc, subject: Template("x"), body: Template("{{name}} 様"), list: people)
        #expect(problems.count == 1)
        #expect(problems[0].contains("--mode individual"))
        #expect(BulkPreflight.templateProblems(mode: .bcc, subject: Template("x"), body: Template("y"), list: people).isEmpty)
    }

    @Test("the policy sees the real bcc message, and for individual mode the first message plus every recipient")
    func policyInput() throws {
        let people = try recipients(5)
        let mailboxes = people.map(\.mailbox)
        let bcc = try BulkMessages.bcc(from: sender, subject: "s", body: "b", attachments: [], toHeader: .sender)
        let a = BulkPolicy.input(mode: .bcc, sample: bcc, recipients: mailboxes, inspections: [], history: .empty, addressBook: AddressBook.merged([]))
        #expect(a.to == [sender])
        #expect(a.bcc == mailboxes)
        let first = try BulkMessages.individual(from: sender, recipient: people[0], subject: Template("x"), body: Template("y"), attachments: [])
        let b = BulkPolicy.input(
            mode: .individual, sample: first, recipients: mailboxes, inspections: [], history: .empty,
            addressBook: AddressBook.merged([]))
        #expect(b.to == [mailboxes[0]])
        #expect(b.bcc == Array(mailboxes.dropFirst()))
        #expect(b.cc.isEmpty)
        // Neither shows external recipients to each other: the visible-recipients rule stays quiet.
        let decision = PolicyEngine.evaluate(b, config: PolicyConfig())
        #expect(!decision.findings.contains { $0.ruleID == "bulk-visible-recipients" })
    }
}

struct NoFiles: AttachmentOpener {
    func open(_ attachment: MailCore.Attachment) throws -> any ByteSource { MemorySource([]) }
}

enum FileSystemNames {
    static func list(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}
