// JournalRecords.swift — what the send journal records about a message, and what it gives back.

import MailCore

/// What happened to a message, in the order it happens. Stored by `rawValue`.
public enum JournalEventKind: String, Sendable, Hashable, CaseIterable {
    /// The sender confirmed the message (the confirmation screen, or `guardmail send`).
    case confirmed
    /// The message entered the countdown hold.
    case held
    /// The sender undid the send during the hold.
    case undone
    /// The hold ended and the message went to the outbox.
    case released
    /// Submission to the SMTP server began.
    case submitting
    /// Every recipient was accepted.
    case sent
    /// Some recipients were accepted and some refused.
    case partiallySent = "partially-sent"
    /// A temporary failure (4xx, timeout, dropped connection before the data): retried later.
    case failedTemporarily = "failed-temporarily"
    /// A permanent failure: nothing was accepted (the server refused, the login was denied, …).
    case failed
    /// The connection broke after the message data was sent: the server may or may not have it.
    case unknown
    /// guardmail found it after a restart while it was held or waiting to retry; nothing was sent.
    case interrupted
    /// Taken back into the composer from the outbox (after an interruption or a failure).
    case edited
    /// The message was dropped from the outbox without being sent.
    case discarded

    /// For listings: "partially sent", "failed, will retry".
    public var label: String {
        switch self {
        case .partiallySent: "partially sent"
        case .failedTemporarily: "failed, will retry"
        case .edited: "taken back to edit"
        default: rawValue
        }
    }

    /// Nothing more will happen to the message after this event (on its own: the user may still
    /// re-send a partially sent or failed one, which is recorded as new events).
    public var isFinal: Bool { [.sent, .undone, .discarded, .edited].contains(self) }
}

/// One recipient of a message.
public struct JournalRecipient: Sendable, Hashable {
    /// The envelope address: local part as typed, domain in A-label form (`RCPT TO`).
    public var address: String
    /// The display name as it was in the header, if any.
    public var displayName: String?
    public var field: RecipientField
    /// The domain in Unicode form, lowercased (`日本語.jp`).
    public var domain: String
    /// The domain in A-label form, lowercased (`xn--wgv71a119e.jp`).
    public var asciiDomain: String
    /// The server's reply for this recipient, latest first recorded ("250 2.1.5 Ok"); nil before submission.
    public var result: String?
    /// Whether the server accepted the recipient; nil before submission.
    public var accepted: Bool?
    /// When `result` was recorded.
    public var resultAt: Int64?

    /// From an envelope address (`local@domain`, the domain in either form).
    public init(address: String, displayName: String? = nil, field: RecipientField) {
        let (local, domain) = JournalNames.split(address)
        let forms = JournalNames.domainForms(domain)
        self.address = local + "@" + forms.ascii
        self.displayName = displayName
        self.field = field
        self.domain = forms.unicode
        self.asciiDomain = forms.ascii
    }

    /// As stored: every field already normalised (reading the journal back).
    init(
        address: String, displayName: String?, field: RecipientField, domain: String, asciiDomain: String,
        result: String?, accepted: Bool?, resultAt: Int64?
    ) {
        self.address = address
        self.displayName = displayName
        self.field = field
        self.domain = domain
        self.asciiDomain = asciiDomain
        self.result = result
        self.accepted = accepted
        self.resultAt = resultAt
    }

    /// From a parsed mailbox.
    public init(_ mailbox: Mailbox, field: RecipientField) {
        address = mailbox.envelopeAddress
        displayName = mailbox.displayName
        self.field = field
        domain = mailbox.domain
        asciiDomain = mailbox.asciiDomain
    }

    /// What identifies the recipient in queries and in the history: its `RecipientKey` (for an
    /// envelope address, the address lowercased).
    public var addressKey: String { RecipientKey(address: address).text }
}

/// One attachment as it was sent.
public struct JournalAttachment: Sendable, Hashable {
    /// The file name the recipient saw.
    public var name: String
    public var size: Int64
    /// Lowercase hexadecimal SHA-256 of the file's bytes.
    public var sha256: String
    public var contentType: String
    /// The parties the file's text names (companies, people addressed, email addresses), with
    /// where: for an incident report, "whose data was in it" without keeping the text.
    public var parties: [JournalParty]

    public init(name: String, size: Int64, sha256: String, contentType: String, parties: [JournalParty] = []) {
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.contentType = contentType
        self.parties = parties
    }
}

/// A party an attachment names: `田中建設株式会社`, kind `company`, place `page 1, line 3`.
public struct JournalParty: Sendable, Hashable {
    public var name: String
    /// What kind of party (`company`, `person`, `email`, …: the policy's `Party.Kind`).
    public var kind: String
    /// Where in the file: a line, a page and line, a sheet and cell, or `title`.
    public var place: String

    public init(name: String, kind: String, place: String) {
        self.name = name
        self.kind = kind
        self.place = place
    }
}

/// One policy finding, and whether (and where) the sender accepted it.
public struct JournalFinding: Sendable, Hashable {
    public var ruleID: String
    /// The severity's name ("confirm", "block", "info", …).
    public var severity: String
    public var message: String
    public var accepted: Bool
    /// Where it was accepted: "confirmation screen", "--accept"; nil when not accepted.
    public var acceptedBy: String?
    /// Accepted by answering its typed challenge (the domain, part of the file name), not by a tick alone.
    public var challenged: Bool

    public init(ruleID: String, severity: String, message: String, accepted: Bool, acceptedBy: String? = nil, challenged: Bool = false) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.accepted = accepted
        self.acceptedBy = acceptedBy
        self.challenged = challenged
    }
}

/// One typed challenge the sender answered on the confirmation screen (docs/policy.md,
/// "Challenges"): what was asked, why, and how many wrong answers came before the right one.
/// Never the title word typed.
public struct JournalChallenge: Sendable, Hashable {
    /// What the challenge asked for. Stored by `rawValue`.
    public enum Form: String, Sendable, Hashable, CaseIterable {
        /// Type a domain.
        case domain
        /// Type part of a file's name.
        case fileName = "file-name"
        /// Type the first word of a file's title.
        case titleWord = "title-word"
        /// Choose which recipient a file is for.
        case recipientChoice = "recipient-choice"
    }

    public var form: Form
    /// The domain (`domain`) or the file's name (the other forms).
    public var subject: String
    /// The recipient chosen (`recipientChoice` only).
    public var chosen: String?
    /// Why it was asked: nil for a finding's own challenge, the high-risk kind ("look-alike
    /// domain"), or the pace's words ("ticked faster than the items can be read").
    public var reason: String?
    /// Asked because the ticks came faster than the items can be read (the pace's challenge).
    public var rushed: Bool
    /// Wrong answers before the right one.
    public var wrongAnswers: Int

    public init(form: Form, subject: String, chosen: String? = nil, reason: String? = nil, rushed: Bool = false, wrongAnswers: Int = 0) {
        self.form = form
        self.subject = subject
        self.chosen = chosen
        self.reason = reason
        self.rushed = rushed
        self.wrongAnswers = wrongAnswers
    }

    /// In words, as `journal show` lists it: "typed the domain newclient.example [ticked faster
    /// than the items can be read], after 1 wrong answer".
    public var words: String {
        var words: String
        switch form {
        case .domain: words = "typed the domain \(subject)"
        case .fileName: words = "typed part of the file name \(subject)"
        case .titleWord: words = "typed the first word of the title of \(subject)"
        case .recipientChoice: words = "chose \(chosen ?? "?") as the recipient of \(subject)"
        }
        if let reason { words += " [\(reason)]" }
        if wrongAnswers > 0 { words += ", after \(wrongAnswers) wrong answer\(wrongAnswers == 1 ? "" : "s")" }
        return words
    }
}

/// A message as it was confirmed: what `recordMessage` stores once.
public struct JournalMessage: Sendable, Hashable {
    /// The Message-ID, with or without its angle brackets (they are not stored).
    public var messageID: String
    /// The account name from the configuration ("work").
    public var account: String
    /// The From mailbox as written in the header (`山田 太郎 <taro@example.co.jp>`).
    public var from: String
    public var subject: String
    /// In header order: To, then Cc, then Bcc (or whatever order the caller gives).
    public var recipients: [JournalRecipient]
    public var attachments: [JournalAttachment]
    public var findings: [JournalFinding]
    /// Findings of an earlier check of this message that led to a change: the sender went back
    /// from the confirmation screen, edited, and the next check no longer had them (or had them
    /// with other words). Not among `findings`.
    public var changedFindings: [JournalFinding]
    /// Milliseconds from the confirmation screen shown to `y`; nil without a screen (`--accept`).
    public var confirmMilliseconds: Int64?
    /// Which confirmation the message had: "none" (held without a confirmation screen: nothing
    /// to confirm), "one-key" (a screen with nothing to tick) or "full"; nil where no screen could
    /// be shown (`send --accept`, `bulk`) or before schema version 5.
    public var confirmScreen: String?
    /// The typed challenges answered before `y`, in the order the screen asked them; empty
    /// without a screen, without challenges, or before schema version 6.
    public var challenges: [JournalChallenge]

    public init(
        messageID: String, account: String, from: String, subject: String,
        recipients: [JournalRecipient], attachments: [JournalAttachment] = [], findings: [JournalFinding] = [],
        changedFindings: [JournalFinding] = [], confirmMilliseconds: Int64? = nil, confirmScreen: String? = nil,
        challenges: [JournalChallenge] = []
    ) {
        self.confirmScreen = confirmScreen
        self.challenges = challenges
        self.messageID = messageID
        self.account = account
        self.from = from
        self.subject = subject
        self.recipients = recipients
        self.attachments = attachments
        self.findings = findings
        self.changedFindings = changedFindings
        self.confirmMilliseconds = confirmMilliseconds
    }
}

/// One event in a message's life.
public struct JournalEvent: Sendable, Hashable {
    public var kind: JournalEventKind
    /// Seconds since the epoch.
    public var at: Int64
    /// Free text: the hold length, the server's reply, the error.
    public var detail: String?

    public init(kind: JournalEventKind, at: Int64, detail: String? = nil) {
        self.kind = kind
        self.at = at
        self.detail = detail
    }
}

/// One per-recipient reply as recorded (a later row for the same recipient corrects an earlier one).
public struct JournalRecipientResult: Sendable, Hashable {
    public var address: String
    public var reply: String
    public var accepted: Bool
    public var at: Int64

    public init(address: String, reply: String, accepted: Bool, at: Int64) {
        self.address = address
        self.reply = reply
        self.accepted = accepted
        self.at = at
    }
}

/// The full record of one message: `guardmail journal show`.
public struct JournalEntry: Sendable, Hashable {
    /// The message as confirmed; each recipient carries its latest result.
    public var message: JournalMessage
    /// When it was confirmed (the time given to `recordMessage`).
    public var confirmedAt: Int64
    /// Every event, in the order they were recorded (the first is `confirmed`).
    public var events: [JournalEvent]
    /// Every per-recipient reply, in the order they were recorded.
    public var results: [JournalRecipientResult]

    /// The latest event's kind.
    public var outcome: JournalEventKind { events.last?.kind ?? .confirmed }
}

/// One line of `guardmail journal`.
public struct JournalSummary: Sendable, Hashable {
    public var messageID: String
    public var confirmedAt: Int64
    /// The time of the latest event.
    public var lastEventAt: Int64
    /// The latest event's kind.
    public var outcome: JournalEventKind
    public var account: String
    public var from: String
    public var subject: String
    public var recipientCount: Int
    /// Recipients whose latest result is an acceptance / a refusal.
    public var acceptedCount: Int
    public var refusedCount: Int
    /// Every recipient domain (Unicode form, sorted). The journal does not know which domains are
    /// internal; the caller filters with the policy's classifier to show the external ones.
    public var domains: [String]
    public var attachmentCount: Int
    public var attachmentBytes: Int64
}

/// How addresses, domains and Message-IDs are normalised for storage and for queries.
public enum JournalNames {
    /// A Message-ID without surrounding spaces and angle brackets.
    public static func messageID(_ text: String) -> String {
        var id = Substring(text)
        while let first = id.first, first == " " || first == "\t" { id.removeFirst() }
        while let last = id.last, last == " " || last == "\t" { id.removeLast() }
        if id.first == "<" && id.last == ">" && id.count >= 2 { id = id.dropFirst().dropLast() }
        return String(id)
    }

    /// Local part and domain of `local@domain` (split at the last `@`; no `@` means no domain).
    static func split(_ address: String) -> (local: String, domain: String) {
        guard let at = address.lastIndex(of: "@") else { return (address, "") }
        return (String(address[..<at]), String(address[address.index(after: at)...]))
    }

    /// Both forms of a domain, lowercased: Unicode (U-labels) and ASCII (A-labels). A domain that
    /// IDNA refuses is kept as typed, lowercased, in both.
    public static func domainForms(_ domain: String) -> (unicode: String, ascii: String) {
        var text = domain.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        guard let ascii = try? IDNA.toASCII(text) else { return (text, text) }
        let unicode = (try? IDNA.toUnicode(ascii))?.lowercased() ?? text
        return (unicode, ascii)
    }

    /// The key `--to` is matched on: the `RecipientKey` (the envelope address, case-folded).
    /// Accepts a bare address, `Name <address>`, and Unicode or A-label domains.
    public static func addressKey(_ text: String) -> String {
        if let mailbox = try? AddressParser.parseMailbox(text) {
            return mailbox.key.text
        }
        var bare = Substring(text)
        if let open = bare.lastIndex(of: "<"), let close = bare.lastIndex(of: ">"), open < close {
            bare = bare[bare.index(after: open)..<close]
        }
        let (local, domain) = split(String(bare))
        if domain.isEmpty { return local.lowercased() }
        return (local + "@" + domainForms(domain).ascii).lowercased()
    }
}
