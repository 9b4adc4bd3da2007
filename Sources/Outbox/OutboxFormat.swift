// OutboxFormat.swift — record.toml and state.toml, written by hand and read back strictly.
//
// Every string goes through `TOML.quoted`, so Japanese, quotes, backslashes, newlines and other
// control characters come back exactly. Numbers that are Doubles are written with Swift's
// `description`, which is the shortest text that parses back to the same Double (GuardTOML
// parses floats with Swift's `Double(String)`, which rounds correctly), so instants round-trip
// to the bit. Unknown keys are errors: a file this version does not fully understand must not be
// half-read and then acted on.
//
// Every number is range-checked where it is read (see `Limits`): these files live in a folder a
// user, a sync tool or a failing disk can change, and a value no guardmail writes (a time in
// the year 10^300, an offset that overflows when added to the size) is reported as damage with
// the file, line, key and value — never carried on into arithmetic that would trap.

import GuardTOML
import MailCore
import Workflow

enum OutboxFormat {
    /// Written as `format = 1` at the top of state.toml; a higher number means a newer guardmail
    /// wrote the entry, and it is reported rather than guessed at.
    static let version: Int64 = 1
    /// record.toml: format 2 adds `message_sha256`. Format 1 records (written before it) are still
    /// read, with `messageSHA256 == nil`: such a message cannot be verified and is not sent.
    static let recordVersion: Int64 = 2

    /// The ranges the numbers of both files must be in.
    enum Limits {
        /// Instants: from 1970 to the end of the year 9999 (253402300799 s), so that every
        /// conversion to whole seconds and every "in 42 s" stays far from overflow.
        static let instants: ClosedRange<Double> = 0...253_402_300_799
        /// Byte counts and offsets: 1 TiB, so that offset + size cannot overflow.
        static let bytes: ClosedRange<Int64> = 0...(1 << 40)
        /// A hold of up to a year.
        static let holdSeconds: ClosedRange<Int> = 0...31_536_000
        /// Attempts count from 1; a million retries at the longest back-off is decades.
        static let attempts: ClosedRange<Int> = 1...1_000_000
    }

    // MARK: record.toml

    static func encodeRecord(_ record: OutboxRecord) -> String {
        var out = "# guardmail outbox record: what the user confirmed. Written once, never changed.\n"
        // A record without the message's checksum says so by its format number.
        out += "format = \(record.messageSHA256 == nil ? 1 : recordVersion)\n"
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
        if let sha256 = record.messageSHA256 { out += "message_sha256 = \(TOML.quoted(sha256))\n" }
        for recipient in record.recipients {
            out += "\n[[recipients]]\n"
            out += "address = \(TOML.quoted(recipient.address))\n"
            if let name = recipient.displayName { out += "display_name = \(TOML.quoted(name))\n" }
            out += "field = \(TOML.quoted(recipient.field))\n"
            if let display = recipient.display { out += "display = \(TOML.quoted(display))\n" }
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
        // For the journal's report; only when there is something to say, so that a record
        // without them reads as before.
        if let milliseconds = confirmation.confirmMilliseconds { out += "confirm_milliseconds = \(milliseconds)\n" }
        if let screen = confirmation.screen { out += "screen = \(TOML.quoted(screen))\n" }
        for finding in confirmation.findings {
            out += "\n[[confirmation.findings]]\n"
            out += "rule_id = \(TOML.quoted(finding.ruleID))\n"
            out += "severity = \(TOML.quoted(finding.severity))\n"
            out += "message = \(TOML.quoted(finding.message))\n"
            out += "accepted = \(finding.accepted)\n"
            if finding.challenged { out += "challenged = true\n" }
        }
        for finding in confirmation.changedFindings {
            out += "\n[[confirmation.changed_findings]]\n"
            out += "rule_id = \(TOML.quoted(finding.ruleID))\n"
            out += "severity = \(TOML.quoted(finding.severity))\n"
            out += "message = \(TOML.quoted(finding.message))\n"
        }
        return out
    }

    static func decodeRecord(_ text: String, file: String) throws(TOMLSchemaError) -> OutboxRecord {
        var reader = try TOMLTableReader.parse(text, file: file)
        let format = try checkVersion(&reader, accepting: 1...recordVersion)
        let id = try reader.required("id", as: String.self)
        let messageID = try reader.required("message_id", as: String.self)
        let account = try reader.required("account", as: String.self)
        let from = try reader.required("from", as: String.self)
        let mailFrom = try reader.required("mail_from", as: String.self)
        let subject = try reader.required("subject", as: String.self)
        let confirmedAt = try instant(&reader, "confirmed_at").seconds
        let holdSeconds = try number(&reader, "hold_seconds", Limits.holdSeconds, unit: "seconds")
        let messageOffset = try number(&reader, "message_offset", Limits.bytes, unit: "bytes")
        let messageSize = try number(&reader, "message_size", Limits.bytes, unit: "bytes")
        var messageSHA256: String?
        if format >= 2 {
            let sha256 = try reader.required("message_sha256", as: String.self)
            guard isSHA256(sha256) else {
                throw reader.invalid("message_sha256", "must be 64 lowercase hexadecimal digits, found '\(sha256)'")
            }
            messageSHA256 = sha256
        }

        var recipients: [OutboxRecipient] = []
        for var sub in try reader.tableArray("recipients") {
            let field: String = try sub.required("field")
            // Read back as the enum it was written from: an unknown field is damage, never To.
            guard RecipientField(rawValue: field) != nil else {
                let names = RecipientField.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw sub.invalid("field", "must be one of \(names), found '\(field)'")
            }
            let address: String = try sub.required("address")
            // Optional (records written before it was kept have none). Shown in place of the
            // address, so it must be the same recipient: never one name shown and another sent to.
            let display: String? = try sub.optional("display")
            if let display, RecipientKey(address: display) != RecipientKey(address: address) {
                throw sub.invalid("display", "must be the same address as '\(address)' in Unicode form, found '\(display)'")
            }
            recipients.append(
                OutboxRecipient(address: address, displayName: try sub.optional("display_name"), field: field, display: display))
            try sub.finish()
        }
        var attachments: [OutboxAttachment] = []
        for var sub in try reader.tableArray("attachments") {
            attachments.append(
                OutboxAttachment(
                    name: try sub.required("name"), size: try number(&sub, "size", Limits.bytes, unit: "bytes"),
                    sha256: try sub.required("sha256"),
                    contentType: try sub.required("content_type")))
            try sub.finish()
        }
        guard var sub = try reader.table("confirmation") else {
            throw TOMLSchemaError(
                kind: .missingKey, file: file, line: nil, key: "confirmation",
                message: "missing table [confirmation]")
        }
        var findings: [OutboxFinding] = []
        for var finding in try sub.tableArray("findings") {
            findings.append(
                OutboxFinding(
                    ruleID: try finding.required("rule_id"), severity: try finding.required("severity"),
                    message: try finding.required("message"), accepted: try finding.required("accepted"),
                    challenged: try finding.optional("challenged") ?? false))
            try finding.finish()
        }
        var changedFindings: [OutboxFinding] = []
        for var finding in try sub.tableArray("changed_findings") {
            changedFindings.append(
                OutboxFinding(
                    ruleID: try finding.required("rule_id"), severity: try finding.required("severity"),
                    message: try finding.required("message"), accepted: false))
            try finding.finish()
        }
        var confirmation = ConfirmationRecord(
            confirmedBy: try sub.required("confirmed_by"), via: try sub.required("via"),
            tickedRecipients: try sub.required("ticked_recipients"), tickedAttachments: try sub.required("ticked_attachments"),
            findings: findings, challenges: try sub.required("challenges"))
        confirmation.changedFindings = changedFindings
        if let milliseconds: Int = try sub.optional("confirm_milliseconds") {
            guard milliseconds >= 0 else { throw sub.invalid("confirm_milliseconds", "must be 0 or more, found \(milliseconds)") }
            confirmation.confirmMilliseconds = Int64(milliseconds)
        }
        if let screen: String = try sub.optional("screen") {
            guard ["none", "one-key", "full"].contains(screen) else {
                throw sub.invalid("screen", "must be none, one-key or full, found '\(screen)'")
            }
            confirmation.screen = screen
        }
        try sub.finish()
        try reader.finish()
        return OutboxRecord(
            id: id, messageID: messageID, account: account, from: from, mailFrom: mailFrom, recipients: recipients,
            subject: subject, attachments: attachments, confirmation: confirmation, confirmedAt: confirmedAt,
            holdSeconds: holdSeconds, messageOffset: messageOffset, messageSize: messageSize, messageSHA256: messageSHA256)
    }

    // MARK: state.toml

    /// The names written for each state: the journal's spelling (kebab-case), so the two files
    /// read alike.
    static func name(_ kind: SendState.Kind) -> String {
        switch kind {
        case .editing: "editing"
        case .confirming: "confirming"
        case .awaitingConfirmation: "needs-confirmation"
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
        case let .awaitingConfirmation(recipients), let .unknown(recipients), let .interrupted(recipients):
            out += "recipients = \(strings(recipients))\n"
        }
        out += "release_requested = \(releaseRequested)\n"
        return out
    }

    static func decodeState(_ text: String, file: String) throws(TOMLSchemaError) -> (state: SendState, releaseRequested: Bool) {
        var reader = try TOMLTableReader.parse(text, file: file)
        try checkVersion(&reader, accepting: version...version)
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
            state = .submitting(
                attempt: try number(&reader, "attempt", Limits.attempts, unit: ""),
                recipients: try reader.required("recipients"))
        case .sent:
            state = .sent(at: try instant(&reader, "at"))
        case .partiallySent:
            state = .partiallySent(refused: try reader.required("refused"), at: try instant(&reader, "at"))
        case .failedTemporarily:
            state = .failedTemporarily(
                reason: try reader.required("reason"), attempt: try number(&reader, "attempt", Limits.attempts, unit: ""),
                retryAt: try instant(&reader, "retry_at"), recipients: try reader.required("recipients"))
        case .failedPermanently:
            state = .failedPermanently(reason: try reader.required("reason"), recipients: try reader.required("recipients"))
        case .unknown:
            state = .unknown(recipients: try reader.required("recipients"))
        case .interrupted:
            state = .interrupted(recipients: try reader.required("recipients"))
        case .awaitingConfirmation:
            state = .awaitingConfirmation(recipients: try reader.required("recipients"))
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

    /// The file's format number, which must be in `accepted`.
    @discardableResult
    private static func checkVersion(_ reader: inout TOMLTableReader, accepting accepted: ClosedRange<Int64>) throws(TOMLSchemaError) -> Int64 {
        let format = try reader.required("format", as: Int64.self)
        guard accepted.contains(format) else {
            let known = accepted.count == 1 ? "format \(accepted.lowerBound)" : "formats \(accepted.lowerBound) to \(accepted.upperBound)"
            throw reader.invalid("format", "is \(format), but this guardmail reads only \(known) (was it written by a newer version?)")
        }
        return format
    }

    /// An instant in `Limits.instants`, refusing infinities and NaN (which `Instant` would trap on)
    /// and times no clock gives (which whole-second conversions would trap on).
    private static func instant(_ reader: inout TOMLTableReader, _ key: String) throws(TOMLSchemaError) -> Instant {
        let seconds = try reader.required(key, as: Double.self)
        guard seconds.isFinite else { throw reader.invalid(key, "must be a finite number of seconds, found '\(seconds)'") }
        guard Limits.instants.contains(seconds) else {
            throw reader.invalid(
                key,
                "must be a time between \(Int64(Limits.instants.lowerBound)) and "
                    + "\(Int64(Limits.instants.upperBound)) seconds since 1970 (the end of the year 9999), found '\(seconds)'")
        }
        return Instant(seconds: seconds)
    }

    /// An integer in `range`.
    private static func number<T: FixedWidthInteger & TOMLReadable>(
        _ reader: inout TOMLTableReader, _ key: String, _ range: ClosedRange<T>, unit: String
    ) throws(TOMLSchemaError) -> T {
        // Read as Int64 first: a value beyond `T` is out of range, not of the wrong type.
        let value = try reader.required(key, as: Int64.self)
        guard let exact = T(exactly: value), range.contains(exact) else {
            throw reader.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)\(unit.isEmpty ? "" : " " + unit), found '\(value)'")
        }
        return exact
    }

    /// 64 lowercase hexadecimal digits.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
