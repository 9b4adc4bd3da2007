// BulkFreezer.swift — renders every message of a job into its folder, and the journal's
// record of them (recorded by the caller in one transaction).

import Bulk
import Journal
import MailCore

/// The message as given: templates (individual mode) or plain text (bcc mode).
public struct BulkContent: Sendable {
    public var from: Mailbox
    public var subject: Template
    public var body: Template
    public var attachments: [Attachment]
    public var toHeader: BulkToHeader

    public init(from: Mailbox, subject: Template, body: Template, attachments: [Attachment], toHeader: BulkToHeader = .sender) {
        self.from = from
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.toHeader = toHeader
    }
}

public enum BulkFreezer {
    /// Freezes the job: every message rendered once (bcc: one; individual: one per recipient,
    /// fields filled in) into `store`, and the journal messages describing them — the bcc
    /// message lists every recipient as Bcc, each individual message its one To recipient.
    /// `stamp` gives each message its Date, Message-ID and boundary.
    public static func freeze(
        store: BulkStore, record: BulkJobRecord, recipients: [BulkRecipient], content: BulkContent,
        attachments: [JournalAttachment], findings: [JournalFinding], stamp: (OutgoingMessage) -> MessageStamp
    ) throws(BulkError) -> (job: BulkJob, journal: [JournalMessage]) {
        guard !recipients.isEmpty else { throw BulkError(.data, "no recipients") }
        var journal: [JournalMessage] = []
        journal.reserveCapacity(record.mode == .bcc ? 1 : recipients.count)
        let job = try store.freeze(record) { (writer: inout BulkSpoolWriter) throws in
            switch record.mode {
            case .bcc:
                let message = try BulkMessages.bcc(
                    from: content.from, subject: content.subject.render(fields: [:]),
                    body: content.body.render(fields: [:]), attachments: content.attachments,
                    toHeader: content.toHeader)
                let stamp = stamp(message)
                try writer.append(message, stamp: stamp, recipients: recipients.map { ($0.mailbox, $0.line) })
                journal.append(
                    JournalMessage(
                        messageID: stamp.messageID, account: record.account, from: record.from, subject: message.subject,
                        recipients: recipients.map { JournalRecipient($0.mailbox, field: .bcc) },
                        attachments: attachments, findings: findings))
            case .individual:
                for recipient in recipients {
                    let message = try BulkMessages.individual(
                        from: content.from, recipient: recipient, subject: content.subject,
                        body: content.body, attachments: content.attachments)
                    let stamp = stamp(message)
                    try writer.append(message, stamp: stamp, recipients: [(recipient.mailbox, recipient.line)])
                    journal.append(
                        JournalMessage(
                            messageID: stamp.messageID, account: record.account, from: record.from, subject: message.subject,
                            recipients: [JournalRecipient(recipient.mailbox, field: .to)],
                            attachments: attachments, findings: findings))
                }
            }
        }
        return (job, journal)
    }
}
