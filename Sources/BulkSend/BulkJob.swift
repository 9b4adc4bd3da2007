// BulkJob.swift — what a frozen bulk job is: job.toml (what was confirmed) and index.tsv
// (which bytes of messages.spool go to whom).

import GuardTOML
import MailCore

/// How an announcement reaches its recipients.
public enum BulkMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One message; every recipient in the envelope only, in batches the server accepts.
    case bcc
    /// One message per recipient, To is that recipient alone; `{{column}}` fields filled in.
    case individual

    public var description: String { rawValue }
}

/// What the To header of a bcc-mode message shows.
public enum BulkToHeader: String, Sendable, CaseIterable {
    /// The sender's own address (the usual way of sending an announcement).
    case sender
    /// `To: undisclosed-recipients:;` (RFC 5322 §3.6.3).
    case undisclosed
}

/// A policy finding as the sender saw it when confirming the job.
public struct BulkFinding: Sendable, Hashable {
    public var ruleID: String
    public var severity: String
    public var message: String
    /// Needed confirmation and the sender gave it (`--accept`).
    public var accepted: Bool

    public init(ruleID: String, severity: String, message: String, accepted: Bool) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.accepted = accepted
    }
}

/// An attachment as confirmed: name, size, SHA-256 and type (for the journal).
public struct BulkAttachmentRecord: Sendable, Hashable {
    public var name: String
    public var size: Int64
    public var sha256: String
    public var contentType: String

    public init(name: String, size: Int64, sha256: String, contentType: String) {
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.contentType = contentType
    }
}

/// job.toml: what was confirmed, written once when the job is frozen.
public struct BulkJobRecord: Sendable, Hashable {
    public var id: String
    public var mode: BulkMode
    public var account: String
    /// The From mailbox as written in the header.
    public var from: String
    /// The envelope sender (MAIL FROM).
    public var mailFrom: String
    /// The subject as given (a template in individual mode).
    public var subject: String
    /// The recipient file as named on the command line (for the summary).
    public var recipientFile: String
    public var recipientCount: Int
    public var messageCount: Int
    public var invalidCount: Int
    public var duplicateCount: Int
    public var toHeader: BulkToHeader
    public var attachments: [BulkAttachmentRecord]
    public var findings: [BulkFinding]
    /// `login@host` of who confirmed it.
    public var confirmedBy: String
    /// Seconds since 1970.
    public var confirmedAt: Int64
    public var holdSeconds: Int
    /// Messages (individual) or recipients (bcc) per minute; nil: as fast as the server takes them.
    public var ratePerMinute: Int?
    /// Recipients per transaction in bcc mode.
    public var batchSize: Int
    /// SHA-256 of index.tsv (who gets which bytes), set when the job is frozen: the index is
    /// checked against it whenever it is read. Nil only for a job an older guardmail froze
    /// (job.toml format 1), which is never sent.
    public var indexSHA256: String?

    public init(
        id: String, mode: BulkMode, account: String, from: String, mailFrom: String, subject: String,
        recipientFile: String, recipientCount: Int, messageCount: Int, invalidCount: Int, duplicateCount: Int,
        toHeader: BulkToHeader, attachments: [BulkAttachmentRecord], findings: [BulkFinding], confirmedBy: String,
        confirmedAt: Int64, holdSeconds: Int, ratePerMinute: Int?, batchSize: Int, indexSHA256: String? = nil
    ) {
        self.id = id
        self.mode = mode
        self.account = account
        self.from = from
        self.mailFrom = mailFrom
        self.subject = subject
        self.recipientFile = recipientFile
        self.recipientCount = recipientCount
        self.messageCount = messageCount
        self.invalidCount = invalidCount
        self.duplicateCount = duplicateCount
        self.toHeader = toHeader
        self.attachments = attachments
        self.findings = findings
        self.confirmedBy = confirmedBy
        self.confirmedAt = confirmedAt
        self.holdSeconds = holdSeconds
        self.ratePerMinute = ratePerMinute
        self.batchSize = batchSize
        self.indexSHA256 = indexSHA256
    }
}

/// One rendered message in messages.spool.
public struct BulkMessageEntry: Sendable, Hashable {
    /// Where its bytes start in messages.spool, and how many there are.
    public var offset: Int64
    public var size: Int64
    /// Without angle brackets.
    public var messageID: String
    /// Its recipients: indexes into `BulkIndex.recipients` (individual: one; bcc: all).
    public var recipients: Range<Int>
    /// SHA-256 of its bytes, taken as they were written (lowercase hex); checked before the job
    /// is sent. Nil only in an index an older guardmail wrote (index 1).
    public var sha256: String?

    public init(offset: Int64, size: Int64, messageID: String, recipients: Range<Int>, sha256: String? = nil) {
        self.offset = offset
        self.size = size
        self.messageID = messageID
        self.recipients = recipients
        self.sha256 = sha256
    }
}

/// One recipient of the job.
public struct BulkRecipientEntry: Sendable, Hashable {
    /// 1-based, in file order: "recipient #1234" in messages and journal details.
    public var number: Int
    /// Index into `BulkIndex.messages`.
    public var message: Int
    /// The RCPT TO address (A-label domain).
    public var envelopeAddress: String
    /// `Name <address>` with the Unicode domain, for people.
    public var display: String
    /// The line of the recipient file it came from.
    public var line: Int

    public init(number: Int, message: Int, envelopeAddress: String, display: String, line: Int) {
        self.number = number
        self.message = message
        self.envelopeAddress = envelopeAddress
        self.display = display
        self.line = line
    }

    /// How the journal keys it (`JournalRecipient.addressKey`).
    public var journalKey: String { RecipientKey(address: envelopeAddress).text }
}

/// index.tsv: every message and recipient of the job.
public struct BulkIndex: Sendable, Hashable {
    public var messages: [BulkMessageEntry]
    public var recipients: [BulkRecipientEntry]

    public init(messages: [BulkMessageEntry] = [], recipients: [BulkRecipientEntry] = []) {
        self.messages = messages
        self.recipients = recipients
    }
}

/// A frozen job: its record, its index and where its files are.
public struct BulkJob: Sendable {
    public var record: BulkJobRecord
    public var index: BulkIndex
    public var directory: String

    public init(record: BulkJobRecord, index: BulkIndex, directory: String) {
        self.record = record
        self.index = index
        self.directory = directory
    }

    public var id: String { record.id }
    public var spoolPath: String { directory + "/" + BulkStore.spoolName }
}

/// Why a job's files cannot be read, or an input problem found before anything is frozen.
public struct BulkError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input (recipients, template, attachments) is wrong: nothing was sent.
        case data
        /// A job file is missing or not what guardmail wrote.
        case corrupt
        /// The disk.
        case io
        /// No such job.
        case notFound
        /// Another guardmail is running this job.
        case busy
        /// A message would show more than one recipient: a bug, never sent.
        case visibleRecipients
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

// MARK: - Files

enum BulkFormat {
    /// job.toml format 2 adds `index_sha256`; format 1 (no checksum) is still read.
    static let version: Int64 = 2

    static func encodeRecord(_ r: BulkJobRecord) -> String {
        var out = "# guardmail bulk job: what the user confirmed. Written once, never changed.\n"
        out += "format = \(r.indexSHA256 == nil ? 1 : version)\n"
        out += "id = \(TOML.quoted(r.id))\n"
        out += "mode = \(TOML.quoted(r.mode.rawValue))\n"
        out += "account = \(TOML.quoted(r.account))\n"
        out += "from = \(TOML.quoted(r.from))\n"
        out += "mail_from = \(TOML.quoted(r.mailFrom))\n"
        out += "subject = \(TOML.quoted(r.subject))\n"
        out += "recipient_file = \(TOML.quoted(r.recipientFile))\n"
        out += "recipients = \(r.recipientCount)\n"
        out += "messages = \(r.messageCount)\n"
        out += "invalid = \(r.invalidCount)\n"
        out += "duplicates = \(r.duplicateCount)\n"
        out += "to_header = \(TOML.quoted(r.toHeader.rawValue))\n"
        out += "confirmed_by = \(TOML.quoted(r.confirmedBy))\n"
        out += "confirmed_at = \(r.confirmedAt)\n"
        out += "hold_seconds = \(r.holdSeconds)\n"
        if let rate = r.ratePerMinute { out += "rate_per_minute = \(rate)\n" }
        out += "batch_size = \(r.batchSize)\n"
        if let sha256 = r.indexSHA256 { out += "index_sha256 = \(TOML.quoted(sha256))\n" }
        for a in r.attachments {
            out += "\n[[attachments]]\n"
            out += "name = \(TOML.quoted(a.name))\n"
            out += "size = \(a.size)\n"
            out += "sha256 = \(TOML.quoted(a.sha256))\n"
            out += "content_type = \(TOML.quoted(a.contentType))\n"
        }
        for f in r.findings {
            out += "\n[[findings]]\n"
            out += "rule_id = \(TOML.quoted(f.ruleID))\n"
            out += "severity = \(TOML.quoted(f.severity))\n"
            out += "message = \(TOML.quoted(f.message))\n"
            out += "accepted = \(f.accepted)\n"
        }
        return out
    }

    /// The ranges of job.toml's numbers: wide enough for any job guardmail writes, narrow enough
    /// that no arithmetic on them overflows.
    enum Limits {
        static let counts: ClosedRange<Int64> = 0...(1 << 40)
        /// From 1970 to the end of the year 9999.
        static let instants: ClosedRange<Int64> = 0...253_402_300_799
        static let holdSeconds: ClosedRange<Int64> = 0...31_536_000
        static let bytes: ClosedRange<Int64> = 0...(1 << 40)
    }

    static func decodeRecord(_ text: String, file: String) throws(TOMLSchemaError) -> BulkJobRecord {
        var reader = try TOMLTableReader.parse(text, file: file)
        let format = try reader.required("format", as: Int64.self)
        guard (1...version).contains(format) else {
            throw reader.invalid("format", "is \(format); this guardmail reads bulk jobs of formats 1 to \(version)")
        }
        let modeText = try reader.required("mode", as: String.self)
        guard let mode = BulkMode(rawValue: modeText) else { throw reader.invalid("mode", "must be bcc or individual") }
        let toText = try reader.required("to_header", as: String.self)
        guard let toHeader = BulkToHeader(rawValue: toText) else { throw reader.invalid("to_header", "must be sender or undisclosed") }
        var record = BulkJobRecord(
            id: try reader.required("id"), mode: mode, account: try reader.required("account"), from: try reader.required("from"),
            mailFrom: try reader.required("mail_from"), subject: try reader.required("subject"),
            recipientFile: try reader.required("recipient_file"), recipientCount: try reader.required("recipients"),
            messageCount: try reader.required("messages"), invalidCount: try reader.required("invalid"),
            duplicateCount: try reader.required("duplicates"), toHeader: toHeader, attachments: [], findings: [],
            confirmedBy: try reader.required("confirmed_by"), confirmedAt: try reader.required("confirmed_at"),
            holdSeconds: try reader.required("hold_seconds"), ratePerMinute: try reader.optional("rate_per_minute"),
            batchSize: try reader.required("batch_size"))
        guard record.batchSize >= 1 else { throw reader.invalid("batch_size", "must be at least 1") }
        // Every number is range-checked as the outbox's are: job.toml is a file a user, a sync tool
        // or a bad disk can change, and a huge hold or time must be damage, not a trap later.
        for (key, value) in [
            ("recipients", record.recipientCount), ("messages", record.messageCount),
            ("invalid", record.invalidCount), ("duplicates", record.duplicateCount)
        ]
        where !Limits.counts.contains(Int64(value)) {
            throw reader.invalid(key, "must be 0 to \(Limits.counts.upperBound), found \(value)")
        }
        guard Limits.instants.contains(record.confirmedAt) else {
            throw reader.invalid(
                "confirmed_at",
                "must be 0 to \(Limits.instants.upperBound) seconds since 1970 (the end of the "
                    + "year 9999), found \(record.confirmedAt)")
        }
        guard Limits.holdSeconds.contains(Int64(record.holdSeconds)) else {
            throw reader.invalid("hold_seconds", "must be 0 to \(Limits.holdSeconds.upperBound) (a year), found \(record.holdSeconds)")
        }
        if let rate = record.ratePerMinute, rate < 1 {
            throw reader.invalid("rate_per_minute", "must be at least 1, found \(rate)")
        }
        if format >= 2 {
            let sha256 = try reader.required("index_sha256", as: String.self)
            guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw reader.invalid("index_sha256", "must be 64 lowercase hexadecimal digits, found '\(sha256)'")
            }
            record.indexSHA256 = sha256
        }
        for var sub in try reader.tableArray("attachments") {
            let size: Int64 = try sub.required("size")
            guard Limits.bytes.contains(size) else {
                throw sub.invalid("size", "must be 0 to \(Limits.bytes.upperBound) bytes, found \(size)")
            }
            record.attachments.append(
                BulkAttachmentRecord(
                    name: try sub.required("name"), size: size, sha256: try sub.required("sha256"),
                    contentType: try sub.required("content_type")))
            try sub.finish()
        }
        for var sub in try reader.tableArray("findings") {
            record.findings.append(
                BulkFinding(
                    ruleID: try sub.required("rule_id"), severity: try sub.required("severity"), message: try sub.required("message"),
                    accepted: try sub.required("accepted")))
            try sub.finish()
        }
        try reader.finish()
        return record
    }

    // index.tsv: a header line, then one line per recipient:
    //   number  message  offset  size  message-id  envelope-address  display  line  sha256
    // Tabs, line breaks and backslashes in values are escaped (\t \n \r \\). Index 1 (older
    // guardmail) has no sha256 column.

    static let indexHeaderV1 = "# guardmail bulk index 1: number\tmessage\toffset\tsize\tmessage-id\taddress\tdisplay\tline"
    static let indexHeader = "# guardmail bulk index 2: number\tmessage\toffset\tsize\tmessage-id\taddress\tdisplay\tline\tsha256"

    static func encodeIndex(_ index: BulkIndex) -> String {
        var out = indexHeader + "\n"
        out.reserveCapacity(index.recipients.count * 190)
        for r in index.recipients {
            let m = index.messages[r.message]
            out += "\(r.number)\t\(r.message)\t\(m.offset)\t\(m.size)\t\(escape(m.messageID))\t\(escape(r.envelopeAddress))\t"
            out += "\(escape(r.display))\t\(r.line)\t\(m.sha256 ?? "")\n"
        }
        return out
    }

    struct IndexProblem: Error {
        let line: Int
        let reason: String
    }

    static func decodeIndex(_ text: String) throws(IndexProblem) -> BulkIndex {
        var index = BulkIndex()
        var lineNumber = 0
        var columns = 9
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if lineNumber == 1 {
                if raw == indexHeaderV1 {
                    columns = 8
                } else {
                    guard raw == indexHeader else { throw IndexProblem(line: 1, reason: "not a guardmail bulk index") }
                }
                continue
            }
            if raw.isEmpty { continue }
            let cells = raw.split(separator: "\t", omittingEmptySubsequences: false)
            // Offsets and sizes within 1 TiB: their sum cannot overflow.
            guard cells.count == columns, let number = Int(cells[0]), let message = Int(cells[1]), let offset = Int64(cells[2]),
                let size = Int64(cells[3]), let line = Int(cells[7]), (0...(1 << 40)).contains(offset), (1...(1 << 40)).contains(size)
            else {
                throw IndexProblem(line: lineNumber, reason: "a malformed line")
            }
            let sha256: String? = columns == 9 ? String(cells[8]) : nil
            if let sha256, sha256.utf8.count != 64 || !sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
                throw IndexProblem(line: lineNumber, reason: "the message's SHA-256 '\(sha256)' is not 64 lowercase hexadecimal digits")
            }
            guard number == index.recipients.count + 1 else { throw IndexProblem(line: lineNumber, reason: "recipient numbers out of order") }
            let position = index.recipients.count
            if message == index.messages.count {
                index.messages.append(
                    BulkMessageEntry(
                        offset: offset, size: size, messageID: unescape(cells[4]),
                        recipients: position..<(position + 1), sha256: sha256))
            } else if message == index.messages.count - 1, index.messages[message].offset == offset,
                index.messages[message].size == size, index.messages[message].sha256 == sha256
            {
                index.messages[message].recipients = index.messages[message].recipients.lowerBound..<(position + 1)
            } else {
                throw IndexProblem(line: lineNumber, reason: "message numbers out of order")
            }
            index.recipients.append(
                BulkRecipientEntry(
                    number: number, message: message, envelopeAddress: unescape(cells[5]),
                    display: unescape(cells[6]), line: line))
        }
        return index
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 || $0 == 92 }) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var out = ""
        var escaping = false
        for c in text.unicodeScalars {
            if escaping {
                switch c {
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.unicodeScalars.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
