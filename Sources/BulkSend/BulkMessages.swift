// BulkMessages.swift — the messages of a bulk job, built so that no recipient can see another.
//
// bcc mode: one message; To is the sender (or `undisclosed-recipients:;`), Cc and Bcc are empty,
// and the recipients exist only in the envelope, which is kept apart from the message.
// individual mode: one message per recipient, To is that recipient alone.
// Every message passes `checkHeaders` where it is built and again before it is written.

import Bulk
import MailCore

public enum BulkMessages {
    /// The bcc-mode message. The recipients are not part of it at all: they go in the envelope.
    public static func bcc(
        from: Mailbox, subject: String, body: String, attachments: [Attachment],
        toHeader: BulkToHeader
    ) throws(BulkError) -> OutgoingMessage {
        let message = OutgoingMessage(
            from: from, to: toHeader == .sender ? [.mailbox(from)] : [], cc: [], bcc: [],
            subject: subject, body: body, attachments: attachments)
        try checkHeaders(message)
        return message
    }

    /// The individual-mode message for one recipient, with its fields filled into the subject and
    /// body. The caller has checked `Template.missing` first; a field still absent is left as
    /// `{{name}}` (never silently blank).
    public static func individual(
        from: Mailbox, recipient: BulkRecipient, subject: Template, body: Template,
        attachments: [Attachment]
    ) throws(BulkError) -> OutgoingMessage {
        let message = OutgoingMessage(
            from: from, to: [.mailbox(recipient.mailbox)], cc: [], bcc: [],
            subject: subject.render(fields: recipient.fields),
            body: body.render(fields: recipient.fields), attachments: attachments)
        try checkHeaders(message)
        return message
    }

    /// The rule of this command: To and Cc together show at most one mailbox, and there is no Bcc
    /// entry (the envelope is kept outside the message). Stronger than "at most one external
    /// recipient visible": no recipient of a bulk message ever sees another one.
    /// Then: no line break in the subject or a display name (a recipient-file field filled into
    /// the subject, a `--subject` typed with one), which would become a header line of its own.
    public static func checkHeaders(_ message: OutgoingMessage) throws(BulkError) {
        let problems = message.headerTextProblems
        guard problems.isEmpty else { throw BulkError(.data, problems.joined(separator: "\n")) }
        let visible = message.to.mailboxes.count + message.cc.mailboxes.count
        guard visible <= 1, message.bcc.isEmpty else {
            throw BulkError(
                .visibleRecipients,
                "refusing to build a bulk message that shows \(visible) recipients in To/Cc"
                    + (message.bcc.isEmpty ? "" : " and has Bcc entries")
                    + ": a bulk message shows at most one recipient (this is a bug in guardmail; nothing was sent)")
        }
    }
}

/// Problems with the input that stop the job before anything is frozen or sent.
public enum BulkPreflight {
    /// The recipients' fields used by the subject and body templates, checked against the list:
    /// every unknown column and every recipient lacking a value, as lines for the user. Empty when
    /// all is well. In bcc mode any placeholder is a problem: one message cannot be filled in.
    public static func templateProblems(
        mode: BulkMode, subject: Template, body: Template, list: RecipientList,
        limit: Int = 50
    ) -> [String] {
        let used = orderedUnion(subject.orderedPlaceholders, body.orderedPlaceholders)
        guard !used.isEmpty else { return [] }
        if mode == .bcc {
            return [
                "the subject or body uses " + used.map { "{{\($0)}}" }.joined(separator: ", ")
                    + ", but bcc mode sends one message to everyone: use --mode individual to fill in fields per recipient"
            ]
        }
        let unknown = orderedUnion(subject.unknownPlaceholders(in: list), body.unknownPlaceholders(in: list))
        if !unknown.isEmpty {
            let names = list.columns.map { "'\($0)'" }.joined(separator: ", ")
            return unknown.map { "the template uses {{\($0)}}, but the recipient file has no column '\($0)' (its columns: \(names))" }
        }
        var lines: [String] = []
        var missing = subject.missing(in: list) + body.missing(in: list)
        missing.sort { ($0.line, $0.field) < ($1.line, $1.field) }
        var seen = Set<String>()
        missing = missing.filter { seen.insert("\($0.line)\t\($0.field)").inserted }
        for item in missing.prefix(limit) {
            lines.append("line \(item.line): \(item.address) has no value for {{\(item.field)}}")
        }
        if missing.count > limit { lines.append("… and \(missing.count - limit) more recipients with a missing field") }
        return lines
    }

    private static func orderedUnion(_ a: [String], _ b: [String]) -> [String] {
        var seen = Set<String>()
        return (a + b).filter { seen.insert($0).inserted }
    }
}
