import Foundation
import Testing
import Bulk
import Config
import Journal
import MailCore
import Policy
import Store
@testable import BulkSend

/// A new job from plain inputs, as `guardmail bulk new` prepares and freezes it.
@Suite("A new bulk job: prepared from plain inputs, then frozen")
struct BulkNewJobTests {
    static let account = try! ConfigLoader.parse(
        """
        [accounts.work]
        from = "山田 太郎 <taro@example.jp>"
        smtp_url = "smtp://127.0.0.1:2525"
        """, file: "config.toml"
    ).account(named: "work")

    /// A folder with the recipient file `list.csv` holding `csv`, and data paths inside it.
    final class Setup {
        let folder: TemporaryFolder
        let paths: DataPaths
        let file: String
        init(_ csv: String) throws {
            folder = try TemporaryFolder()
            paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
            file = folder.path + "/list.csv"
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        }

        func prepare(_ change: (inout BulkJobRequest) -> Void = { _ in }) throws(BulkError) -> BulkJobPlan {
            var request = BulkJobRequest(recipientFile: file, subject: "ご案内", body: "お知らせです。\n")
            change(&request)
            return try BulkJobPlanner.prepare(request, account: BulkNewJobTests.account, policy: .defaults, paths: paths)
        }
    }

    static func refusal(_ body: () throws(BulkError) -> Void) -> BulkError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test("the list is read, invalid rows are skipped and counted, and the policy sees every recipient")
    func prepares() throws {
        let setup = try Setup("email,name\na@example.org,A\nnot an address,B\nb@example.net,C\na@example.org,A again\n")
        let plan = try setup.prepare()
        #expect(plan.list.recipients.map(\.mailbox.address) == ["a@example.org", "b@example.net"])
        #expect(plan.list.invalid.map(\.line) == [3])
        #expect(plan.list.duplicateCount == 1)
        #expect(plan.sample.to.mailboxes.map(\.address) == ["taro@example.jp"])
        // Nothing was sent from this data folder before: both domains are new.
        #expect(plan.decision.findings.contains { $0.ruleID == "new-domain" })
        let summary = plan.summary(accepted: ["new-domain"]).text
        #expect(summary.contains("bulk: 2 recipients from '\(setup.file)'"))
        #expect(summary.contains("[accepted]"))
    }

    @Test("--strict refuses the file when a row is invalid, naming its line and text")
    func strict() throws {
        let setup = try Setup("email\na@example.org\nbroken@\n")
        let error = Self.refusal { () throws(BulkError) in _ = try setup.prepare { $0.strict = true } }
        #expect(error?.kind == .data)
        #expect(error?.message.hasPrefix("'\(setup.file)' has 1 invalid row and --strict was given; nothing was sent:") == true)
        #expect(error?.message.contains("  line 3: broken@ — ") == true)
        #expect(try setup.prepare().list.recipients.count == 1)
    }

    @Test("a file with no valid recipient, or one that cannot be read, is refused")
    func noRecipients() throws {
        let setup = try Setup("email\nnobody\n")
        let empty = Self.refusal { () throws(BulkError) in _ = try setup.prepare() }
        #expect(empty?.message.hasPrefix("'\(setup.file)' has no valid recipient; nothing was sent\n  line 2: nobody — ") == true)
        let missing = Self.refusal { () throws(BulkError) in _ = try setup.prepare { $0.recipientFile = setup.folder.path + "/none.csv" } }
        #expect(missing?.kind == .data)
        #expect(missing?.message.hasPrefix("recipients: ") == true)
    }

    @Test("bcc mode refuses a placeholder: one message cannot be filled in for everyone")
    func bccPlaceholder() throws {
        let setup = try Setup("email,name\na@example.org,A\n")
        let error = Self.refusal { () throws(BulkError) in _ = try setup.prepare { $0.body = "{{name}} 様\n" } }
        #expect(error?.message.hasPrefix("the message cannot be filled in for every recipient; nothing was sent:\n  ") == true)
        let individual = try setup.prepare {
            $0.mode = .individual
            $0.body = "{{name}} 様\n"
        }
        #expect(individual.sample.body.hasPrefix("A 様"))
        #expect(individual.sample.to.mailboxes.map(\.address) == ["a@example.org"])
    }

    @Test("individual mode: a row whose field would break the subject line is an invalid row")
    func subjectLineBreak() throws {
        let setup = try Setup("email,company\na@example.org,\"Acme\nBcc: x@evil.example\"\nb@example.org,Beta\n")
        let plan = try setup.prepare {
            $0.mode = .individual
            $0.subject = "{{company}} 様へのご案内"
        }
        #expect(plan.list.recipients.map(\.mailbox.address) == ["b@example.org"])
        #expect(plan.list.invalid.count == 1)
        #expect(plan.sample.subject == "Beta 様へのご案内")
    }

    @Test("an attachment that is not there is refused with its name")
    func missingAttachment() throws {
        let setup = try Setup("email\na@example.org\n")
        let error = Self.refusal { () throws(BulkError) in _ = try setup.prepare { $0.attachments = [setup.folder.path + "/地図.pdf"] } }
        #expect(error?.kind == .data)
        #expect(error?.message.contains("地図.pdf") == true)
    }

    @Test("the dry run's rendering is the message as it will be sent")
    func renderSample() throws {
        let setup = try Setup("email\na@example.org\n")
        let plan = try setup.prepare { $0.toHeader = .undisclosed }
        let bytes = try plan.renderSample(
            stamp: MessageStamp(
                date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0),
                messageID: "<x@example.jp>", boundary: "=_b"))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\r\nTo: undisclosed-recipients:;\r\n"))
        #expect(text.contains("Message-ID: <x@example.jp>"))
        #expect(!text.contains("a@example.org"))
    }

    @Test("freezing writes every message, locks the job and records it in the journal as held; a cancelled hold is recorded")
    func freeze() throws {
        let setup = try Setup("email,name\na@example.org,A\nb@example.org,B\nc@example.net,C\n")
        let plan = try setup.prepare {
            $0.mode = .individual
            $0.subject = "{{name}} 様"
            $0.ratePerMinute = 90
            $0.batchSize = 7
        }
        let store = BulkStore(directory: setup.folder.path + "/bulk")
        let journal = try SendJournal(path: setup.folder.path + "/journal.sqlite")
        defer { journal.close() }
        var n = 0
        let (job, lock) = try plan.freeze(store: store, journal: journal, now: 1_790_000_000, confirmedBy: "taro@host") { _ in
            n += 1
            return MessageStamp(
                date: MailDate(secondsSince1970: 1_790_000_000, utcOffsetSeconds: 0),
                messageID: "<m\(n)@example.jp>", boundary: "=_b\(n)")
        }
        defer { lock.release() }
        #expect(job.index.messages.count == 3)
        #expect(job.record.messageCount == 3 && job.record.recipientCount == 3)
        #expect(job.record.confirmedBy == "taro@host" && job.record.confirmedAt == 1_790_000_000)
        #expect(job.record.ratePerMinute == 90 && job.record.batchSize == 7)
        #expect(job.record.findings.contains { $0.ruleID == "new-domain" && $0.accepted })
        #expect(try store.lock(id: job.id) == nil) // held by this run
        let held = try status(job, journal)
        #expect(held.pending == 3 && held.missingMessages == 0 && !held.cancelled)

        try journal.record(job.cancelledDuringHold("with Ctrl-C during the hold"), at: 1_790_000_010)
        let cancelled = try status(job, journal)
        #expect(cancelled.cancelled && cancelled.delivered == 0)
    }

    @Test("a journal that refuses the job leaves no job folder behind")
    func journalRefuses() throws {
        let setup = try Setup("email\na@example.org\n")
        let plan = try setup.prepare()
        let store = BulkStore(directory: setup.folder.path + "/bulk")
        let journal = try SendJournal(path: setup.folder.path + "/journal.sqlite")
        journal.close() // every later call fails: the journal refuses the job's messages
        let error = Self.refusal { () throws(BulkError) in
            _ = try plan.freeze(store: store, journal: journal, now: 1_790_000_000, confirmedBy: "taro@host") { _ in
                MessageStamp(date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0), messageID: "<m@example.jp>", boundary: "=_b")
            }
        }
        #expect(error?.kind == .io)
        #expect(error?.message.hasSuffix("; nothing was sent") == true)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: setup.folder.path + "/bulk"))?.filter { !$0.hasPrefix(".") }
        #expect(left ?? [] == [])
    }

    @Test(
        "rates: N/min, N/m, N/minute and N; nothing else",
        arguments: [
            ("600/min", 600), ("600/m", 600), ("90/minute", 90), ("1", 1), ("0", nil), ("-5/min", nil), ("fast", nil), ("600/s", nil)
        ] as [(String, Int?)])
    func rate(text: String, expected: Int?) {
        #expect(BulkJobRequest.ratePerMinute(text) == expected)
    }
}
