// OutboxRecord.swift — what the outbox keeps about a frozen message besides its bytes.
//
// Everything here is written once, at freeze time, into `record.toml`, and never changed: it is
// what the user confirmed. What changes (the send state) lives in `state.toml` next to it.

import MailCore
import Store
import Workflow

/// One recipient as the user confirmed it.
public struct OutboxRecipient: Sendable, Hashable {
    /// The envelope form, exactly as it goes into `RCPT TO` (domain in A-label form).
    public var address: String
    /// The display name from the header, if there was one (nil and "" are kept apart).
    public var displayName: String?
    /// "to", "cc" or "bcc".
    public var field: String
    /// The address as the user reads it, with its domain in Unicode (`user@例え.jp`) where the
    /// wire form has A-labels (`user@xn--r8jz45g.jp`); nil when the two are the same, and in
    /// records written before it was kept. Only ever shown: what is sent is `address`, and a
    /// record whose `display` is another recipient than its `address` is damaged.
    public var display: String?

    public init(address: String, displayName: String? = nil, field: String, display: String? = nil) {
        self.address = address
        self.displayName = displayName
        self.field = field
        self.display = display
    }

    /// The envelope's recipient: its RCPT TO form, its Unicode form when that differs, display
    /// name and field.
    public init(_ recipient: Recipient) {
        let unicode = recipient.mailbox.address
        self.init(
            address: recipient.address, displayName: recipient.mailbox.displayName, field: recipient.field.rawValue,
            display: unicode.lowercased() == recipient.address.lowercased() ? nil : unicode)
    }

    /// What the views show: the Unicode form when there is one, else the wire form.
    public var shownAddress: String { display ?? address }

    /// The domain as the views show it: from the Unicode form, or (a record without it) the wire
    /// form's A-labels converted.
    public var shownDomain: String {
        if let display, let at = display.lastIndex(of: "@") { return String(display[display.index(after: at)...]).lowercased() }
        let ascii = address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? ""
        return (try? IDNA.toUnicode(ascii)) ?? ascii
    }

    /// `field` as the enum. A record read from disk has one of the three (reading refuses any
    /// other value as damage); `nil` only for a record made in memory with another text.
    public var recipientField: RecipientField? { RecipientField(rawValue: field) }
}

/// One attachment as the user confirmed it: the checksum ties the confirmation to the bytes.
public struct OutboxAttachment: Sendable, Hashable {
    public var name: String
    public var size: Int64
    /// Lowercase hex SHA-256 of the file's bytes at confirmation time.
    public var sha256: String
    public var contentType: String

    public init(name: String, size: Int64, sha256: String, contentType: String) {
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.contentType = contentType
    }
}

/// A policy finding shown on the confirmation screen, and whether the user accepted it.
public struct OutboxFinding: Sendable, Hashable {
    public var ruleID: String
    public var severity: String
    public var message: String
    public var accepted: Bool
    /// Accepted by answering its typed challenge (for the journal's report).
    public var challenged: Bool

    public init(ruleID: String, severity: String, message: String, accepted: Bool, challenged: Bool = false) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.accepted = accepted
        self.challenged = challenged
    }
}

/// One answered challenge, as facts: "domain", "file-name", "title-word" or
/// "recipient-choice"; its subject (the domain, or the file's name); the recipient chosen;
/// why it was asked (nil for a finding's own); whether it was the pace's; the wrong answers.
public struct OutboxChallenge: Sendable, Hashable {
    public var form: String
    public var subject: String
    public var chosen: String?
    public var reason: String?
    public var rushed: Bool
    public var wrongAnswers: Int

    public init(form: String, subject: String, chosen: String? = nil, reason: String? = nil, rushed: Bool = false, wrongAnswers: Int = 0) {
        self.form = form
        self.subject = subject
        self.chosen = chosen
        self.reason = reason
        self.rushed = rushed
        self.wrongAnswers = wrongAnswers
    }
}

/// Who confirmed the message, where, and what exactly they ticked: the evidence that a person
/// looked at every recipient and attachment before anything could leave.
public struct ConfirmationRecord: Sendable, Hashable {
    /// The login name and host of who confirmed ("taro@workstation").
    public var confirmedBy: String
    /// "composer", "send" or "bulk".
    public var via: String
    public var tickedRecipients: [String]
    public var tickedAttachments: [String]
    public var findings: [OutboxFinding]
    /// The typed challenges that were answered, in words ("typed the domain example.com"; may be empty).
    public var challenges: [String]
    /// Findings of earlier checks of this message that led to a change (the sender went back
    /// from the confirmation screen and edited; the next check no longer had them).
    public var changedFindings: [OutboxFinding] = []
    /// Milliseconds from the confirmation screen shown to `y` (nil without a screen).
    /// `changedFindings` and this are for the journal's report.
    public var confirmMilliseconds: Int64?
    /// Which confirmation the message had: "none" (held without a screen), "one-key" or
    /// "full" (`ConfirmationScreen`); nil where no screen could be shown (`send`, `bulk`, a
    /// `sendmail` without a terminal) and in records written before it was recorded.
    public var screen: String?
    /// The answered challenges as facts, for the journal (`challenges` says the same in words).
    /// Carried from the screen to the freeze only: not written to `record.toml`, so a record read
    /// back has none (the journal has them from the freeze).
    public var answeredChallenges: [OutboxChallenge] = []

    public init(
        confirmedBy: String, via: String, tickedRecipients: [String] = [], tickedAttachments: [String] = [],
        findings: [OutboxFinding] = [], challenges: [String] = [], screen: String? = nil
    ) {
        self.screen = screen
        self.confirmedBy = confirmedBy
        self.via = via
        self.tickedRecipients = tickedRecipients
        self.tickedAttachments = tickedAttachments
        self.findings = findings
        self.challenges = challenges
    }
}

/// The immutable facts of a frozen message (`record.toml`).
public struct OutboxRecord: Sendable, Hashable {
    /// The record as `record.toml` keeps it, what reading it back gives: without the answered
    /// challenges' facts, which go from the screen to the journal only.
    public var asWritten: OutboxRecord {
        var written = self
        written.confirmation.answeredChallenges = []
        return written
    }

    /// The entry id, which is also its folder's name (see `Outbox.newID`).
    public var id: String
    public var messageID: String
    public var account: String
    /// The formatted From header value, as the user saw it (may contain Japanese).
    public var from: String
    /// The envelope sender (`MAIL FROM`).
    public var mailFrom: String
    public var recipients: [OutboxRecipient]
    public var subject: String
    public var attachments: [OutboxAttachment]
    public var confirmation: ConfirmationRecord
    /// When the user confirmed, in seconds since 1970.
    public var confirmedAt: Double
    public var holdSeconds: Int
    /// Where the transmitted bytes start in `message.eml` (after the Bcc header kept for the sent copy).
    public var messageOffset: Int64
    /// How many bytes are transmitted: `message.eml` is exactly `messageOffset + messageSize` bytes.
    public var messageSize: Int64
    /// Lowercase hex SHA-256 of the transmitted bytes (`messageSize` bytes from `messageOffset`),
    /// taken while they were written: they are checked against it before every submission. Nil
    /// only for an entry an older guardmail wrote (record format 1), which is never sent.
    public var messageSHA256: String?

    public init(
        id: String, messageID: String, account: String, from: String, mailFrom: String, recipients: [OutboxRecipient],
        subject: String, attachments: [OutboxAttachment], confirmation: ConfirmationRecord, confirmedAt: Double,
        holdSeconds: Int, messageOffset: Int64, messageSize: Int64, messageSHA256: String? = nil
    ) {
        self.id = id
        self.messageID = messageID
        self.account = account
        self.from = from
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.subject = subject
        self.attachments = attachments
        self.confirmation = confirmation
        self.confirmedAt = confirmedAt
        self.holdSeconds = holdSeconds
        self.messageOffset = messageOffset
        self.messageSize = messageSize
        self.messageSHA256 = messageSHA256
    }
}

/// A frozen message as found in the outbox.
public struct OutboxEntry: Sendable {
    public var record: OutboxRecord
    public var state: SendState
    /// Set by a deliberate "send it now" from another terminal, for the owner to act on.
    public var releaseRequested: Bool
    /// The entry's folder, `<outbox>/<id>`.
    public var directory: String
    /// Whether a composer snapshot (`draft.eml`) was kept, for undo and edit.
    public var hasDraft: Bool

    public init(record: OutboxRecord, state: SendState, releaseRequested: Bool, directory: String, hasDraft: Bool) {
        self.record = record
        self.state = state
        self.releaseRequested = releaseRequested
        self.directory = directory
        self.hasDraft = hasDraft
    }

    public var id: String { record.id }
    /// The spool file: the Bcc header, then from `record.messageOffset` the bytes to transmit.
    public var messagePath: String { directory + "/" + Outbox.messageName }
}
