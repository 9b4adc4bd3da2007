// Recipient.swift — one recipient from the address field to RCPT TO, and the key that says
// whether two addresses are the same recipient.

/// What makes two addresses the same recipient: the local part and the domain, both
/// case-folded, the domain in its A-label form. So `Bob@X.example`, `bob@x.example`,
/// `user@例え.jp` and `user@XN--R8JZ45G.jp` are one recipient each way round.
///
/// RFC 5321 §2.4 lets a server treat local parts case-sensitively, but practically every server
/// delivers `Bob@` and `bob@` to the same mailbox, while a list typed or merged by hand often has
/// both: the likely mistake is sending twice, not reaching two people. Local parts are ASCII here
/// (SMTPUTF8 is refused by the parser), so case-folding is ASCII lowercasing.
///
/// Every "same recipient?" question asks this key: the envelope (one RCPT TO per key), the policy
/// (history and findings), the send workflow's match of refused recipients, the transport's
/// pairing of RCPT TO lines with their replies, bulk recipient lists and the journal.
public struct RecipientKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// `local@a-label-domain`, case-folded: the local part quoted only where it must be.
    public let text: String

    /// The key of a parsed mailbox (computed once, when the mailbox is made).
    public init(_ mailbox: Mailbox) { self = mailbox.key }

    init(quotedLocalPart: String, asciiDomain: String) {
        text = Self.fold(quotedLocalPart) + "@" + Self.fold(asciiDomain)
    }

    /// The key of an address given as text: an envelope address (`local@domain`, no display
    /// name, no angle brackets) from a journal, a sent folder, the transport's trace or the
    /// server. A Unicode domain is converted to A-labels; a local part in quotes is read by the
    /// parser so that `"bob"@x` and `bob@x` agree. Text that is no address at all is folded as
    /// it is, so that it still compares equal to itself in any case.
    public init(address: String) {
        text = Self.asciiText(address) ?? Self.generalText(address)
    }

    /// The key's text by the general path: quoted local parts through the parser, the domain
    /// through IDNA.
    static func generalText(_ address: String) -> String {
        if address.first == "\"", let mailbox = try? AddressParser.parseMailbox(address) {
            return mailbox.key.text
        }
        guard let at = address.lastIndex(of: "@") else { return fold(address) }
        let local = String(address[..<at])
        let domain = String(address[address.index(after: at)...])
        return fold(local) + "@" + asciiDomain(domain)
    }

    public var description: String { text }

    public static func < (lhs: RecipientKey, rhs: RecipientKey) -> Bool { lhs.text < rhs.text }

    /// The key of an all-ASCII address that does not start with a quote, in one pass over its
    /// bytes: the same text the general path below gives (fold it all; the domain, after the
    /// last `@`, loses one trailing dot), without `Character` scans, substrings and IDNA. Every
    /// bulk recipient's key is taken several times (freezing, pairing replies, the journal), so
    /// this is most of what keying thousands of envelope addresses costs. Nil: take the general path.
    static func asciiText(_ address: String) -> String? {
        let utf8 = address.utf8
        guard utf8.first != UInt8(ascii: "\"") else { return nil }
        // Already a key (ASCII, lower case, no trailing dot after an `@`): findings name
        // recipients by their keys, and the screen keys every one of them again.
        let unchanged = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var at = false
            for byte in bytes {
                if byte >= 0x80 || (byte >= 65 && byte <= 90) { return false }
                if byte == UInt8(ascii: "@") { at = true }
            }
            return !(at && bytes.last == UInt8(ascii: "."))
        }
        if unchanged == true { return address }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var lastAt = -1
        for byte in utf8 {
            guard byte < 0x80 else { return nil }
            if byte == UInt8(ascii: "@") { lastAt = out.count }
            out.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
        }
        if lastAt >= 0, out.count - 1 > lastAt, out.last == UInt8(ascii: ".") { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// ASCII case-folding (only ASCII letters change: what servers fold).
    static func fold(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return s }
        return String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// The domain's A-label form, lowercased, without a trailing dot; the text lowercased when
    /// IDNA refuses it.
    static func asciiDomain(_ domain: String) -> String {
        var d = domain
        if d.hasSuffix(".") { d.removeLast() }
        if d.utf8.allSatisfy({ $0 < 0x80 }) { return fold(d) }
        d = d.lowercased()
        return (try? IDNA.toASCII(d)).map(fold) ?? d
    }
}

/// One recipient of a message: the mailbox as parsed (display name and address, the local part
/// as first typed), the header it was written in, and its identity key.
public struct Recipient: Hashable, Sendable {
    public var mailbox: Mailbox
    public var field: RecipientField

    public init(_ mailbox: Mailbox, field: RecipientField) {
        self.mailbox = mailbox
        self.field = field
    }

    /// Who this is (see `RecipientKey`).
    public var key: RecipientKey { mailbox.key }

    /// The address as sent in RCPT TO: the local part as typed, the domain in A-labels.
    public var address: String { mailbox.envelopeAddress }

    /// Every mailbox of To, then Cc, then Bcc, each recipient once by key: the first one wins,
    /// with its spelling and its field (so `To: Bob@x` and `Cc: bob@x` are one To recipient,
    /// sent as `RCPT TO:<Bob@x>`). Group members count as mailboxes of their field.
    public static func unique(to: [AddressListEntry], cc: [AddressListEntry], bcc: [AddressListEntry]) -> [Recipient] {
        var seen = Set<RecipientKey>(minimumCapacity: to.count + cc.count + bcc.count)
        var out: [Recipient] = []
        out.reserveCapacity(to.count + cc.count + bcc.count)
        for (field, entries) in [(RecipientField.to, to), (.cc, cc), (.bcc, bcc)] {
            for mailbox in entries.mailboxes where seen.insert(mailbox.key).inserted {
                out.append(Recipient(mailbox, field: field))
            }
        }
        return out
    }

    /// `recipients` with each key once, first one kept, order kept.
    public static func unique(_ recipients: [Recipient]) -> [Recipient] {
        var seen = Set<RecipientKey>()
        return recipients.filter { seen.insert($0.key).inserted }
    }
}

extension Array where Element == Mailbox {
    /// The mailboxes with each recipient key once, the first one kept, order kept.
    public var uniqueRecipients: [Mailbox] {
        var seen = Set<RecipientKey>()
        return filter { seen.insert($0.key).inserted }
    }
}
