/// Which header a recipient was written in.
public enum RecipientField: String, Sendable, Hashable, CaseIterable, Codable {
    case to, cc, bcc
}

/// A file to attach. MailCore never opens it; the `AttachmentOpener` given to the writer does.
public struct Attachment: Sendable, Hashable {
    /// Where the content comes from (a path for the file opener, a key for a test's opener).
    public var source: String
    /// The name the recipient sees, e.g. `見積書_2026年度.pdf`.
    public var fileName: String
    /// MIME type from content inspection (libmagic), e.g. `application/pdf`, `text/csv; charset=utf-8`.
    public var contentType: String
    /// Size in bytes when known (for summaries; the writer does not rely on it).
    public var size: Int64?

    public init(source: String, fileName: String, contentType: String, size: Int64? = nil) {
        self.source = source
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
    }
}

/// A message as the user composed it: the model the MIME writer turns into bytes.
public struct OutgoingMessage: Sendable, Hashable {
    public var from: Mailbox
    public var to: [AddressListEntry]
    public var cc: [AddressListEntry]
    public var bcc: [AddressListEntry]
    public var subject: String
    /// The body text; any line ending (LF, CRLF, CR) is accepted and written as CRLF.
    public var body: String
    public var attachments: [Attachment]
    /// The Message-ID (`<…>`) of the message this one answers; written as In-Reply-To.
    public var inReplyTo: String?
    /// The thread's Message-IDs, oldest first; written as References.
    public var references: [String]

    public init(
        from: Mailbox, to: [AddressListEntry] = [], cc: [AddressListEntry] = [], bcc: [AddressListEntry] = [],
        subject: String = "", body: String = "", attachments: [Attachment] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.inReplyTo = nil
        self.references = []
    }

    /// Every recipient once by `RecipientKey`, To before Cc before Bcc, the first spelling and
    /// field kept (see `Recipient.unique`). The headers stay as written.
    public var recipients: [Recipient] { Recipient.unique(to: to, cc: cc, bcc: bcc) }

    /// The SMTP envelope: sender, and one RCPT TO per recipient (`recipients`): `To: Bob@x` and
    /// `Cc: bob@x` are one recipient, sent once as `RCPT TO:<Bob@x>` in the To field.
    public var envelope: Envelope {
        Envelope(mailFrom: from.envelopeAddress, recipients: recipients)
    }
}

/// Who the message is submitted for, as opposed to what its headers say.
/// - SeeAlso: RFC 5321 §3.3 (MAIL FROM, RCPT TO).
public struct Envelope: Sendable, Hashable {
    /// `address` is the form sent in RCPT TO (first spelling typed, A-label domain).
    public typealias Recipient = MailCore.Recipient
    public var mailFrom: String
    public var recipients: [Recipient]

    public init(mailFrom: String, recipients: [Recipient]) {
        self.mailFrom = mailFrom
        self.recipients = recipients
    }

    /// `MAIL FROM:<…>` and one `RCPT TO:<…>` a line, as `--dry-run` shows it.
    public var transcript: String {
        var lines = ["MAIL FROM:<\(mailFrom)>"]
        for r in recipients { lines.append("RCPT TO:<\(r.address)>  (\(r.field.rawValue))") }
        return lines.joined(separator: "\n")
    }
}
