// BulkNewJob.swift — a new bulk job from plain inputs (what `guardmail bulk new` was given):
// read and check the recipient file, fill in the templates, load and inspect the attachments,
// run the policy on a representative message (`BulkJobPlanner.prepare`); then, once the sender
// has confirmed, freeze every message and record it in the send journal (`BulkJobPlan.freeze`).
// The command line only parses arguments, shows the summary or the confirmation screen, holds
// and sends.

import Bulk
import Config
import Delivery
import Inspect
import Journal
import MailCore
import Policy
import Store

/// What a new job was asked for, as plain values (no argument parsing here).
public struct BulkJobRequest: Sendable {
    /// The recipient file's path (CSV/TSV with an email column, or one address a line).
    public var recipientFile: String
    public var mode: BulkMode
    /// The subject template (`{{column}}` fields in individual mode).
    public var subject: String
    /// The body template's text, already read.
    public var body: String
    /// Paths of the files to attach.
    public var attachments: [String]
    public var toHeader: BulkToHeader
    /// Refuse the whole file when any row is invalid (otherwise invalid rows are skipped and listed).
    public var strict: Bool
    /// Rule ids of findings accepted without the confirmation screen (`--accept`).
    public var accepted: Set<String>
    public var ratePerMinute: Int?
    /// Recipients per transaction in bcc mode.
    public var batchSize: Int
    /// Whether attachments get their SHA-256 (not needed for a dry run).
    public var fingerprintAttachments: Bool

    public init(
        recipientFile: String, mode: BulkMode = .bcc, subject: String = "", body: String = "", attachments: [String] = [],
        toHeader: BulkToHeader = .sender, strict: Bool = false, accepted: Set<String> = [], ratePerMinute: Int? = nil,
        batchSize: Int = BulkJobRequest.defaultBatchSize, fingerprintAttachments: Bool = true
    ) {
        self.recipientFile = recipientFile
        self.mode = mode
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.toHeader = toHeader
        self.strict = strict
        self.accepted = accepted
        self.ratePerMinute = ratePerMinute
        self.batchSize = batchSize
        self.fingerprintAttachments = fingerprintAttachments
    }

    public static let defaultBatchSize = 100

    /// "600/min", "600/m", "600/minute", "600" → 600; nil for anything else (or less than 1).
    public static func ratePerMinute(_ text: String) -> Int? {
        var number = Substring(text)
        for suffix in ["/min", "/m", "/minute"] where number.hasSuffix(suffix) { number = number.dropLast(suffix.count) }
        guard let value = Int(number), value >= 1 else { return nil }
        return value
    }
}

/// Prepares a new job: everything that can be checked before the sender confirms, and nothing
/// written. Every refusal is a `BulkError(.data, …)` whose message ends the run (nothing was sent).
public enum BulkJobPlanner {
    /// The address book and the send history for the policy come from `paths`; their warnings
    /// are in the plan.
    public static func prepare(
        _ request: BulkJobRequest, account: AccountConfig, policy: PolicyConfig, paths: DataPaths,
        detector: ContentTypeDetector = ContentTypeDetector()
    ) throws(BulkError) -> BulkJobPlan {
        let list = try recipients(request)
        let subject = Template(request.subject)
        let body = Template(request.body)
        let problems = BulkPreflight.templateProblems(mode: request.mode, subject: subject, body: body, list: list)
        guard problems.isEmpty else {
            throw BulkError(
                .data,
                (["the message cannot be filled in for every recipient; nothing was sent:"]
                    + problems.map { "  " + $0 }).joined(separator: "\n"))
        }
        let attachments = try BulkAttachments.load(request.attachments, account: account, detector: detector)
        let inspections: [Inspection]
        do {
            inspections = try AttachmentInspector().inspect(
                attachments.map(\.source), contentTypes: attachments.map(\.contentType),
                fingerprint: request.fingerprintAttachments)
        } catch {
            throw BulkError(.data, error.message)
        }
        let sample =
            request.mode == .bcc
            ? try BulkMessages.bcc(
                from: account.from, subject: request.subject, body: request.body, attachments: attachments,
                toHeader: request.toHeader)
            : try BulkMessages.individual(
                from: account.from, recipient: list.recipients[0], subject: subject, body: body,
                attachments: attachments)
        // The policy, on a representative message.
        let evaluation = PolicySetup.evaluate(policy, paths: paths) { history, book in
            BulkPolicy.input(
                mode: request.mode, sample: sample, recipients: list.recipients.map(\.mailbox), inspections: inspections,
                history: history, addressBook: book)
        }
        return BulkJobPlan(
            request: request, account: account, list: list, subject: subject, body: body, attachments: attachments,
            inspections: inspections, sample: sample, decision: evaluation.decision,
            classifier: policy.classifier(sender: account.from),
            warnings: evaluation.warnings)
    }

    /// The recipient file, read and checked: an unreadable or unparsable file, `strict` with an
    /// invalid row, or no valid recipient at all refuse the job.
    static func recipients(_ request: BulkJobRequest) throws(BulkError) -> RecipientList {
        let file = request.recipientFile
        var list: RecipientList
        do {
            let bytes = try FileSystem.readBytes(file, limit: 256 << 20)
            list = try RecipientFile.parse(bytes: bytes, fileName: file)
        } catch let error as FileError {
            throw BulkError(.data, "recipients: \(error)")
        } catch {
            throw BulkError(.data, "\(error)")
        }
        // A row whose field would put a line break into its subject is an invalid row like any other.
        if request.mode == .individual { list = list.refusingLineBreaks(inSubject: Template(request.subject)) }
        if request.strict && !list.invalid.isEmpty {
            let count = list.invalid.count
            throw BulkError(
                .data,
                (["'\(file)' has \(count) invalid row\(count == 1 ? "" : "s") and --strict was given; nothing was sent:"]
                    + list.invalid.map { "  line \($0.line): \($0.text.isEmpty ? "(empty)" : $0.text) — \($0.reason)" })
                    .joined(separator: "\n"))
        }
        guard !list.recipients.isEmpty else {
            throw BulkError(
                .data,
                (["'\(file)' has no valid recipient; nothing was sent"]
                    + list.invalid.prefix(50).map { "  line \($0.line): \($0.text) — \($0.reason)" }).joined(separator: "\n"))
        }
        return list
    }
}

/// A prepared job: what the summary shows and the confirmation screen asks about, and what
/// `freeze` writes once the sender has confirmed.
public struct BulkJobPlan {
    public let request: BulkJobRequest
    public let account: AccountConfig
    public let list: RecipientList
    public let subject: Template
    public let body: Template
    public let attachments: [Attachment]
    public let inspections: [Inspection]
    /// bcc: the message; individual: the message to the first recipient.
    public let sample: OutgoingMessage
    public let decision: PolicyDecision
    public let classifier: DomainClassifier
    /// From loading the address book and the send history (the policy ran without what failed).
    public let warnings: [String]

    public var mode: BulkMode { request.mode }
    public var holdSeconds: Int { decision.holdSeconds }
    public var mailboxes: [Mailbox] { list.recipients.map(\.mailbox) }

    /// The summary printed before anything is sent, with `accepted` marked as accepted.
    public func summary(accepted: Set<String>) -> BulkSummary {
        let classifier = self.classifier
        return BulkSummary(
            recipientFile: request.recipientFile, list: list, mode: mode, account: account.name,
            isInternal: { classifier.isInternal($0) }, inspections: inspections, findings: decision.findings, accepted: accepted,
            sample: sample, batchSize: request.batchSize, ratePerMinute: request.ratePerMinute, holdSeconds: holdSeconds)
    }

    /// The sample as it will be sent (for a dry run).
    public func renderSample(stamp: MessageStamp, opener: any AttachmentOpener = FileAttachmentOpener()) throws(BulkError) -> [UInt8] {
        var sink = MemorySink()
        do {
            try MIMEWriter().write(sample, stamp: stamp, opener: opener, to: &sink)
        } catch {
            throw BulkError(.data, "cannot render the message: \(error)")
        }
        return sink.bytes
    }

    /// The job's record: `confirmedBy` confirmed it at `now` (seconds since 1970). Every
    /// confirm finding is recorded as accepted: the job is frozen only once they all were.
    public func record(id: String, confirmedBy: String, at now: Int64) -> BulkJobRecord {
        let findings = decision.findings.map {
            BulkFinding(ruleID: $0.ruleID, severity: $0.severity.rawValue, message: $0.message, accepted: $0.severity == .confirm)
        }
        let attachmentRecords = attachments.enumerated().map { i, a in
            BulkAttachmentRecord(
                name: a.fileName, size: a.size ?? inspections[i].size, sha256: inspections[i].sha256,
                contentType: a.contentType)
        }
        return BulkJobRecord(
            id: id, mode: mode, account: account.name, from: account.from.formatted, mailFrom: account.from.envelopeAddress,
            subject: request.subject, recipientFile: request.recipientFile, recipientCount: list.recipients.count,
            messageCount: mode == .bcc ? 1 : list.recipients.count, invalidCount: list.invalid.count,
            duplicateCount: list.duplicateCount, toHeader: request.toHeader, attachments: attachmentRecords,
            findings: findings, confirmedBy: confirmedBy, confirmedAt: now, holdSeconds: holdSeconds,
            ratePerMinute: request.ratePerMinute, batchSize: request.batchSize)
    }

    /// Freezes the job in `store` (every message rendered once and synced), locks it and records
    /// its messages in the journal as held, all in one transaction. On any failure nothing is
    /// left to send: the job folder is removed when the journal refused it. `.io` errors are the
    /// disk's or the journal's; the messages end with "nothing was sent".
    public func freeze(
        store: BulkStore, journal: SendJournal, now: Double, confirmedBy: String,
        stamp: (OutgoingMessage) -> MessageStamp
    ) throws(BulkError) -> (job: BulkJob, lock: BulkJobLock) {
        let id = BulkStore.newID(now: now)
        let record = record(id: id, confirmedBy: confirmedBy, at: Int64(now))
        let journalFindings = record.findings.map {
            JournalFinding(
                ruleID: $0.ruleID, severity: $0.severity, message: $0.message, accepted: $0.accepted,
                acceptedBy: $0.accepted ? confirmedBy : nil)
        }
        let journalAttachments = record.attachments.map {
            JournalAttachment(name: $0.name, size: $0.size, sha256: $0.sha256, contentType: $0.contentType)
        }
        let job: BulkJob
        let messages: [JournalMessage]
        do {
            let content = BulkContent(
                from: account.from, subject: subject, body: body, attachments: attachments,
                toHeader: request.toHeader)
            (job, messages) = try BulkFreezer.freeze(
                store: store, record: record, recipients: list.recipients, content: content, attachments: journalAttachments,
                findings: journalFindings, stamp: stamp)
        } catch {
            throw BulkError(error.kind == .io ? .io : .data, "\(error.message); nothing was sent")
        }
        guard let lock = try? store.lock(id: id) else {
            throw BulkError(.io, "cannot lock the new bulk job \(id); nothing was sent")
        }
        do {
            try journal.recordMessages(
                messages, at: Int64(now), then: .held,
                detail: "bulk job \(id): \(mode), \(list.recipients.count) recipients; hold \(holdSeconds) s")
        } catch {
            store.remove(id: id)
            lock.release()
            throw BulkError(.io, "\(error); nothing was sent")
        }
        return (job, lock)
    }
}

extension BulkJob {
    /// The journal records of a job cancelled during its hold: every message undone.
    public func cancelledDuringHold(_ how: String) -> [JournalBatchRecord] {
        index.messages.map { JournalBatchRecord(messageID: $0.messageID, event: .undone, detail: "bulk job \(id): cancelled \(how)") }
    }
}
