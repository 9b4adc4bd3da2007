// ThreadFacts.swift — what the policy knows about the message a reply or a forward answers.

import MailCore

/// The original message of a reply or a forward, as the thread rules see it.
public struct ThreadFacts: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case reply, replyAll = "reply-all", forward
    }
    public var kind: Kind
    /// Everyone on the original: its From, To, Cc and Reply-To.
    public var parties: [Mailbox]
    /// The original's author (its From), whose domain its attachments came from.
    public var author: Mailbox?
    /// The original's subject, decoded.
    public var subject: String
    /// The original's Date as written ("" when it has none).
    public var date: String
    /// Attachments of the original this message carries (a forward); 0 for a reply.
    public var carriedAttachments: Int

    public init(
        kind: Kind, parties: [Mailbox], author: Mailbox?, subject: String = "", date: String = "", carriedAttachments: Int = 0
    ) {
        self.kind = kind
        self.parties = parties
        self.author = author
        self.subject = subject
        self.date = date
        self.carriedAttachments = carriedAttachments
    }

    /// The facts of `original` for a reply (`kind` reply or reply-all) or a forward.
    public init(original: ParsedMessage, kind: Kind, carriedAttachments: Int = 0) {
        var parties = original.from + original.to.mailboxes + original.cc.mailboxes
        for field in original.headers where field.name.caseInsensitiveEquals("Reply-To") {
            parties += (try? AddressParser.parseList(field.value))?.mailboxes ?? []
        }
        self.init(
            kind: kind, parties: parties.uniqueRecipients, author: original.from.first, subject: original.subject,
            date: original.header("Date") ?? "", carriedAttachments: carriedAttachments)
    }

    /// The recipient keys of the parties.
    public var partyKeys: Set<RecipientKey> { Set(parties.map(\.key)) }
    /// The parties' domains, A-label form.
    public var partyDomains: Set<String> { Set(parties.map(\.asciiDomain)) }
}

extension String {
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
