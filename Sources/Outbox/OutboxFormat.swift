// OutboxFormat.swift — record.toml and state.toml, written by hand and read back strictly.
//
// Every string goes through `TOML.quoted`, so Japanese, quotes, backslashes, newlines and other
// control characters come back exactly. Numbers that are Doubles are written with Swift's
// `description`, which is the shortest text that parses back to the same Double (GuardTOML
// parses floats with Swift's `Double(String)`, which rounds correctly), so instants round-trip
// to the bit. Unknown keys are errors: a file this version does not fully understand must not be
// half-read and then acted on.

import GuardTOML
import Workflow

enum OutboxFormat {
    /// Written as `format = 1` at the top of both files; a higher number means a newer guardmail
    /// wrote the entry, and it is reported rather than guessed at.
    static let version: Int64 = 1

    // MARK: record.toml

    static func encodeRecord(_ record: OutboxRecord) -> String {
        var out = "# guardmail outbox record: what the user confirmed. Written once, never changed.\n"
        out += "format = \(version)\n"
        out += "id = \(TOML.quoted(record.id))\n"
        out += "message_id = \(TOML.quoted(record.messageID))\n"
        out += "account = \(TOML.quoted(record.account))\n"
        out += "from = \(TOML.quoted(record.from))\n"
        out += "mail_from = \(TOML.quoted(record.mailFrom))\n"
        out += "subject = \(TOML.quoted(record.subject))\n"
        out += "confirmed_at = \(float(record.confirmedAt))\n"
        out += "hold_seconds = \(record.holdSeconds)\n"
        out += "message_offset = \(record.messageOffset)\n"
        out += "message_size = \(record.messageSize)\n"
        for recipient in record.recipients {
            out += "\n[[recipients]]\n"
            out += "address = \(TOML.quoted(recipient.address))\n"
            if let name = recipient.displayName { out += "display_name = \(TOML.quoted(name))\n" }
            out += "field = \(TOML.quoted(recipient.field))\n"
        }
        for attachment in record.attachments {
            out += "\n[[attachments]]\n"
            out += "name = \(TOML.quoted(attachment.name))\n"
            out += "size = \(attachment.size)\n"
            out += "sha256 = \(TOML.quoted(attachment.sha256))\n"
            out += "content_type = \(TOML.quoted(attachment.contentType))\n"
        }
        let confirmation = record.confirmation
        out += "\n[confirmation]\n"
        out += "confirmed_by = \(TOML.quoted(confirmation.confirmedBy))\n"
        out += "via = \(TOML.quoted(confirmation.via))\n"
        out += "ticked_recipients = \(strings(confirmation.tickedRecipients))\n"
        out += "ticked_attachments = \(strings(confirmation.tickedAttachments))\n"
        out += "challenges = \(strings(confirmation.challenges))\n"
        for finding in confirmation.findings {
            out += "\n[[confirmation.findings]]\n"
            out += "rule_id = \(TOML.quoted(finding.ruleID))\n"
            out += "severity = \(TOML.quoted(finding.severity))\n"
            out += "message = \(TOML.quoted(finding.message))\n"
            out += "accepted = \(finding.accepted)\n"
        }
        return out
    }

    static func decodeRecord(_ text: String, file: String) throws(TOMLSchemaError) -> OutboxRecord {
        var reader = try TOMLTableReader.parse(text, file: file)
        try checkVersion(&reader)
        let id = try reader.required("id", as: String.self)
        let messageID = try reader.required("message_id", as: String.self)
        let account = try reader.required("account", as: String.self)
        let from = try reader.required("from", as: String.self)
        let mailFrom = try reader.required("mail_from", as: String.self)
        let subject = try reader.required("subject", as: String.self)
        let confirmedAt = try reader.required("confirmed_at", as: Double.self)
        let holdSeconds = try reader.required("hold_seconds", as: Int.self)
        let messageOffset = try reader.required("message_offset", as: Int64.self)
        let messageSize = try reader.required("message_size", as: Int64.self)
        guard messageOffset >= 0 else { throw reader.invalid("message_offset", "must not be negative") }
        guard messageSize >= 0 else { throw reader.invalid("message_size", "must not be negative") }

        var recipients: [OutboxRecipient] = []
        for var sub in try reader.tableArray("recipients") {
            recipients.append(OutboxRecipient(
                address: try sub.required("address"), displayName: try sub.optional("display_name"),
                field: try sub.required("field")))
            try sub.finish()
        }
        var attachments: [OutboxAttachment] = []
        for var sub in try reader.tableArray("attachments") {
            attachments.append(OutboxAttachment(
                name: try sub.required("name"), size: try sub.required("size"), sha256: try sub.required("sha256"),
                contentType: try sub.required("content_type")))
            try sub.finish()
        }
        guard var sub = try reader.table("confirmation") else {
            throw TOMLSchemaError(kind: .missingKey, file: file, line: nil, key: "confirmation",
                                  message: "missing table [confirmation]")
        }
        var findings: [OutboxFinding] = []
        for var finding in try sub.tableArray("findings") {
            findings.append(OutboxFinding(
                ruleID: try finding.required("rule_id"), severity: try finding.required("severity"),
                message: try finding.required("message"), accepted: try finding.required("accepted")))
            try finding.finish()
        }
        let confirmation = ConfirmationRecord(
            confirmedBy: try sub.required("confirmed_by"), via: try sub.required("via"),
            tickedRecipients: try sub.required("ticked_recipients"), tickedAttachments: try sub.required("ticked_attachments"),
            findings: findings, challenges: try sub.required("challenges"))
        try sub.finish()
        try reader.finish()
        return OutboxRecord(
            id: id, messageID: messageID, account: account, from: from, mailFrom: mailFrom, recipients: recipients,
            subject: subject, attachments: attachments, confirmation: confirmation, confirmedAt: confirmedAt,
            holdSeconds: holdSeconds, messageOffset: messageOffset, messageSize: messageSize)
    }

    // MARK: state.toml

    /// The names written for each state: the journal's spelling (kebab-case), so the two files
    /// read alike.
    static func name(_ kind: SendState.Kind) -> String {
        switch kind {
        case .editing: "editing"
        case .confirming: "confirming"
        case .holding: "holding"
        case .submitting: "submitting"
        case .sent: "sent"
        case .partiallySent: "partially-sent"
        case .failedTemporarily: "failed-temporarily"
        case .failedPermanently: "failed-permanently"
        case .unknown: "unknown"
        case .interrupted: "interrupted"
        case .discarded: "discarded"
        }
    }

    static func encodeState(_ state: SendState, releaseRequested: Bool) -> String {
        var out = "# guardmail outbox state: replaced as a whole on every change.\n"
        out += "format = \(version)\n"
        out += "state = \(TOML.quoted(name(state.kind)))\n"
        switch state {
        case .editing, .confirming, .discarded:
            break
        case let .holding(releaseAt, recipients):
            out += "release_at = \(float(releaseAt.seconds))\n"
            out += "recipients = \(strings(recipients))\n"
        case let .submitting(attempt, recipients):
            out += "attempt = \(attempt)\n"
            out += "recipients = \(strings(recipients))\n"
        case let .sent(at):
            out += "at = \(float(at.seconds))\n"
        case let .partiallySent(refused, at):
            out += "refused = \(strings(refused))\n"
            out += "at = \(float(at.seconds))\n"
        case let .failedTemporarily(reason, attempt, retryAt, recipients):
            out += "reason = \(TOML.quoted(reason))\n"
            out += "attempt = \(attempt)\n"
            out += "retry_at = \(float(retryAt.seconds))\n"
            out += "recipients = \(strings(recipients))\n"
        case let .failedPermanently(reason, recipients):
            out += "reason = \(TOML.quoted(reason))\n"
            out += "recipients = \(strings(recipients))\n"
        case let .unknown(recipients), let .interrupted(recipients):
            out += "recipients = \(strings(recipients))\n"
        }
        out += "release_requested = \(releaseRequested)\n"
        return out
    }

    static func decodeState(_ text: String, file: String) throws(TOMLSchemaError) -> (state: SendState, releaseRequested: Bool) {
        var reader = try TOMLTableReader.parse(text, file: file)
        try checkVersion(&reader)
        let written = try reader.required("state", as: String.self)
        guard let kind = SendState.Kind.allCases.first(where: { name($0) == written }) else {
            let names = SendState.Kind.allCases.map { "'\(name($0))'" }.joined(separator: ", ")
            throw reader.invalid("state", "must be one of \(names), found '\(written)'")
        }
        let state: SendState
        switch kind {
        case .editing: state = .editing
        case .confirming: state = .confirming
        case .discarded: state = .discarded
        case .holding:
            state = .holding(releaseAt: try instant(&reader, "release_at"), recipients: try reader.required("recipients"))
        case .submitting:
            state = .submitting(attempt: try reader.required("attempt"), recipients: try reader.required("recipients"))
        case .sent:
            state = .sent(at: try instant(&reader, "at"))
        case .partiallySent:
            state = .partiallySent(refused: try reader.required("refused"), at: try instant(&reader, "at"))
        case .failedTemporarily:
            state = .failedTemporarily(
                reason: try reader.required("reason"), attempt: try reader.required("attempt"),
                retryAt: try instant(&reader, "retry_at"), recipients: try reader.required("recipients"))
        case .failedPermanently:
            state = .failedPermanently(reason: try reader.required("reason"), recipients: try reader.required("recipients"))
        case .unknown:
            state = .unknown(recipients: try reader.required("recipients"))
        case .interrupted:
            state = .interrupted(recipients: try reader.required("recipients"))
        }
        let releaseRequested = try reader.required("release_requested", as: Bool.self)
        try reader.finish()
        return (state, releaseRequested)
    }

    // MARK: Pieces

    /// The shortest decimal that reads back as the same Double ("1700000000.5", "1e-05").
    static func float(_ value: Double) -> String { "\(value)" }

    static func strings(_ values: [String]) -> String {
        "[" + values.map(TOML.quoted).joined(separator: ", ") + "]"
    }

    private static func checkVersion(_ reader: inout TOMLTableReader) throws(TOMLSchemaError) {
        let format = try reader.required("format", as: Int64.self)
        guard format == version else {
            throw reader.invalid("format", "is \(format), but this guardmail reads only format \(version) (was it written by a newer version?)")
        }
    }

    /// An instant, refusing infinities and NaN (which `Instant` would trap on).
    private static func instant(_ reader: inout TOMLTableReader, _ key: String) throws(TOMLSchemaError) -> Instant {
        let seconds = try reader.required(key, as: Double.self)
        guard seconds.isFinite else { throw reader.invalid(key, "must be a finite number of seconds") }
        return Instant(seconds: seconds)
    }
}
