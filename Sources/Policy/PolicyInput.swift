// PolicyInput.swift — everything the rules look at, passed in as values.
//
// The policy engine reads no file and no clock: the I/O layer gathers the message, the facts
// about its attachments, the send history (from the journal) and the address book.

import MailCore

/// What the I/O layer found out about one attachment.
public struct AttachmentFacts: Sendable, Hashable {
    /// The file name as it will be sent.
    public var name: String
    public var size: Int64
    /// The real type (libmagic), e.g. "text/csv".
    public var contentType: String
    /// The decoded text (first 2 MiB) of text/CSV attachments, and the extracted text of PDF,
    /// Word, Excel and PowerPoint files, one line per line of the document (per cell of a
    /// workbook); nil when there is none.
    public var text: String?
    /// Where each line of `text` is in the file ("page 1, line 3", "sheet '顧客' cell C4"), one
    /// per line; empty when the lines are the file's own lines ("line N").
    public var textLocations: [String]
    /// Why the text was not read (or not all of it): "encrypted PDF, contents not read".
    public var contentsNotRead: String?
    /// An encrypted archive (a ZIP with an encrypted entry): what `attachment_encrypted` asks.
    public var encrypted: Bool

    public init(
        name: String, size: Int64, contentType: String, text: String? = nil, textLocations: [String] = [], contentsNotRead: String? = nil,
        encrypted: Bool = false
    ) {
        self.encrypted = encrypted
        self.name = name
        self.size = size
        self.contentType = contentType
        self.text = text
        self.textLocations = textLocations
        self.contentsNotRead = contentsNotRead
    }

    /// Where line `line` (1-based) of `text` is: "page 1, line 3", or "line 3".
    public func location(ofLine line: Int) -> String {
        textLocations.indices.contains(line - 1) ? textLocations[line - 1] : "line \(line)"
    }

    /// The parties the text names, each with its place: what `check --json` lists and the
    /// journal keeps.
    public var namedParties: [(party: Party, place: String)] {
        guard let text else { return [] }
        return PartyExtractor.parties(in: text).map { ($0, location(ofLine: $0.line)) }
    }
}

/// Who the sender has written to before (from the send journal).
public struct SendHistory: Sendable, Equatable {
    /// Past recipients' addresses, in any case and either domain form; compared by
    /// `RecipientKey`.
    public var addresses: Set<String> { didSet { addressKeys = Self.keys(addresses) } }
    /// Past recipient domains, Unicode form, lowercased. A-label forms are accepted too.
    public var domains: Set<String> { didSet { domainKeys = Set(domains.map(DomainName.ascii)) } }
    /// The same, normalised as the rules compare them (`RecipientKey` texts; A-labels):
    /// done once when the history is made, not on every check of a message.
    private(set) var addressKeys: Set<String>
    private(set) var domainKeys: Set<String>
    /// The external domains that have been in To/Cc together: for each earlier message that was
    /// delivered with visible recipients in two or more domains, the set of those domains
    /// (A-labels, lowercased). `bulk-visible-recipients` does not ask about a set of domains
    /// that one of them holds: those companies already see each other.
    public var visibleDomainGroups: [Set<String>] { didSet { groupKeys = Self.groupKeys(visibleDomainGroups) } }
    private var groupKeys: [Set<String>]

    public init(addresses: Set<String> = [], domains: Set<String> = [], visibleDomainGroups: [Set<String>] = []) {
        self.addresses = addresses
        self.domains = domains
        self.visibleDomainGroups = visibleDomainGroups
        groupKeys = Self.groupKeys(visibleDomainGroups)
        addressKeys = Self.keys(addresses)
        domainKeys = Set(domains.map(DomainName.ascii))
    }

    /// A history made of these past recipients: their addresses and their domains.
    public init(recipients: [Mailbox]) {
        self.init(addresses: Set(recipients.map(\.key.text)), domains: Set(recipients.map(\.domain)))
    }

    private static func keys(_ addresses: Set<String>) -> Set<String> { Set(addresses.map(PolicyContext.addressKey)) }

    private static func groupKeys(_ groups: [Set<String>]) -> [Set<String>] {
        groups.map { Set($0.map(DomainName.ascii)) }.filter { $0.count >= 2 }
    }

    /// Whether these domains (A-labels or Unicode) have all been in To/Cc of one earlier message.
    public func isKnownGroup(_ domains: Set<String>) -> Bool {
        let wanted = Set(domains.map(DomainName.ascii))
        return groupKeys.contains { wanted.isSubset(of: $0) }
    }

    public static let empty = SendHistory()
}

/// The message as the policy sees it.
public struct PolicyInput: Sendable {
    public var from: Mailbox
    public var to: [Mailbox] { didSet { joinRecipients() } }
    public var cc: [Mailbox] { didSet { joinRecipients() } }
    public var bcc: [Mailbox] { didSet { joinRecipients() } }
    public var subject: String
    public var body: String
    public var attachments: [AttachmentFacts]
    public var history: SendHistory
    public var addressBook: AddressBook
    /// For a reply or a forward: the original's facts (the thread rules); nil for a new message.
    public var thread: ThreadFacts?

    public init(
        from: Mailbox, to: [Mailbox] = [], cc: [Mailbox] = [], bcc: [Mailbox] = [],
        subject: String = "", body: String = "", attachments: [AttachmentFacts] = [],
        history: SendHistory = .empty, addressBook: AddressBook = AddressBook()
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.history = history
        self.addressBook = addressBook
        joinRecipients()
    }

    /// To and Cc: the recipients who see each other.
    public private(set) var visibleRecipients: [Mailbox] = []
    /// To, Cc and Bcc.
    public private(set) var allRecipients: [Mailbox] = []

    /// Joined once when the fields are set, not for each rule that asks (thousands of recipients).
    private mutating func joinRecipients() {
        visibleRecipients = cc.isEmpty ? to : to + cc
        allRecipients = bcc.isEmpty ? visibleRecipients : visibleRecipients + bcc
    }
}
