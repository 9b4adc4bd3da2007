// Reply.swift — what a reply or a forward to a message is: its recipients, subject, threading
// headers and first text. Pure: the original comes in as a `ParsedMessage`, our own addresses
// and the language as arguments.
// - SeeAlso: RFC 5322 §3.6.4 (Message-ID, In-Reply-To, References), docs/replies.md.

/// What the user asked for.
public enum ReplyKind: Sendable, Equatable {
    case reply
    case replyAll
    /// The original's text and a header block in the body; its attachments attached again.
    case forwardInline
    /// The original attached whole as message/rfc822.
    case forwardAttached

    public var isForward: Bool { self == .forwardInline || self == .forwardAttached }
}

/// The language of the attribution line and the forwarded-header block.
public enum ReplyLanguage: String, Sendable, Equatable {
    case english = "en"
    case japanese = "ja"
}

/// A reply or forward, computed: the composer opens with these fields.
public struct ReplyDraft: Sendable, Equatable {
    public var to: [Mailbox]
    public var cc: [Mailbox]
    public var subject: String
    /// The original's Message-ID (`<…>`); nil for a forward or an original without one.
    public var inReplyTo: String?
    /// Oldest first; empty for a forward.
    public var references: [String]
    /// The first text: empty lines for the user to write on, then the attribution line and the
    /// quote (or the forwarded-header block and the original's text).
    public var body: String
    /// The line (0-based) the cursor starts on: above the quote.
    public var cursorLine: Int
}

public enum Reply {
    /// Whole References fields longer than this many identifiers are trimmed (see `references`).
    public static let maximumReferences = 10

    /// The reply or forward to `original`. `own` holds our own addresses (every account's `from`
    /// and the configured alternates): they are never among the recipients of a reply.
    public static func draft(
        to original: ParsedMessage, kind: ReplyKind, own: Set<RecipientKey>, language: ReplyLanguage
    ) -> ReplyDraft {
        let (to, cc) = kind.isForward ? ([], []) : addresses(original, all: kind == .replyAll, own: own)
        let subject = self.subject(original.subject, forward: kind.isForward)
        let threading = kind.isForward ? (nil, []) : (original.messageID.flatMap { messageIDs(in: $0).first }, references(original))
        var lines = ["", ""]
        switch kind {
        case .reply, .replyAll:
            lines.append(attribution(original, language: language))
            lines += quote(original.body)
        case .forwardInline:
            lines += forwardedHeaders(original, language: language)
            lines.append("")
            lines += original.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .forwardAttached:
            break
        }
        while lines.count > 2, lines.last?.isEmpty == true { lines.removeLast() }
        return ReplyDraft(
            to: to, cc: cc, subject: subject, inReplyTo: threading.0, references: threading.1,
            body: lines.joined(separator: "\n"), cursorLine: 0)
    }

    // MARK: Recipients

    /// The recipients of a reply, as mail clients choose them.
    /// - reply: the original's Reply-To, else its From; when that is one of our own addresses
    ///   (a reply to a message we sent), the original's To.
    /// - reply-all: Mail-Followup-To when the original has one (a list asked for replies there);
    ///   otherwise Reply-To (else From) and the original To in To, the original Cc in Cc.
    /// Our own addresses are removed, and every recipient is kept once by `RecipientKey` (the
    /// first occurrence, To before Cc). When removing our own addresses leaves To empty, Cc
    /// moves up to To.
    public static func addresses(_ original: ParsedMessage, all: Bool, own: Set<RecipientKey>) -> (
        to: [Mailbox], cc: [Mailbox]
    ) {
        func field(_ name: String) -> [Mailbox]? {
            let values = original.headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
            guard !values.isEmpty else { return nil }
            let boxes = values.flatMap { MessageParser.addressList($0).0.mailboxes }
            return boxes.isEmpty ? nil : boxes
        }
        let replyTo = field("Reply-To")
        let author = replyTo ?? original.from
        let authorIsUs = !author.isEmpty && author.allSatisfy { own.contains($0.key) }
        var to: [Mailbox]
        var cc: [Mailbox] = []
        if all, let followup = field("Mail-Followup-To") {
            to = followup
        } else if all {
            to = (authorIsUs ? [] : author) + original.to.mailboxes
            cc = original.cc.mailboxes
        } else {
            to = authorIsUs ? original.to.mailboxes : author
        }
        var seen = own
        to = to.filter { seen.insert($0.key).inserted }
        cc = cc.filter { seen.insert($0.key).inserted }
        if to.isEmpty {
            to = cc
            cc = []
        }
        return (to, cc)
    }

    // MARK: Subject

    /// The subject with the reply/forward prefixes a chain of clients left (`Re:`, `RE:`,
    /// `Re[2]:`, `Ｒｅ：`, `返信:`, `Fw:`, `FW:`, `Fwd:`, `転送:`, `AW:`, `WG:`, `SV:`, `VS:`,
    /// `Antw:`, `RV:`, `回复:`, `答复:`, `转发:`) removed, then exactly one `Re: ` or `Fwd: `.
    public static func subject(_ original: String, forward: Bool) -> String {
        let base = strippedSubject(oneLine(original))
        return (forward ? "Fwd: " : "Re: ") + base
    }

    static let subjectPrefixes: [String] = [
        "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "rv", "tr", "返信", "転送", "回复", "答复", "转发", "回覆", "轉寄"
    ]

    /// `subject` without any leading reply/forward prefixes, trimmed.
    public static func strippedSubject(_ subject: String) -> String {
        var rest = Substring(subject)
        func trimLeading() { while let c = rest.first, c.isWhitespace { rest.removeFirst() } }
        trimLeading()
        outer: while true {
            // The word: letters up to the colon, full-width ASCII folded to ASCII.
            var word = ""
            var index = rest.startIndex
            while index < rest.endIndex, word.count < 6 {
                let c = rest[index]
                if c == ":" || c == "：" || c == "[" || c == "^" || c == "［" { break }
                word.append(halfWidth(c))
                index = rest.index(after: index)
            }
            guard subjectPrefixes.contains(word.lowercased()), index < rest.endIndex else { break }
            // An optional counter: Re[2]: or Re^2:
            if rest[index] == "[" || rest[index] == "［" || rest[index] == "^" {
                let bracket = rest[index] != "^"
                index = rest.index(after: index)
                var digits = 0
                while index < rest.endIndex, let d = halfWidth(rest[index]).wholeNumberValue, d >= 0 {
                    digits += 1
                    index = rest.index(after: index)
                }
                guard digits > 0, index < rest.endIndex else { break outer }
                if bracket {
                    guard rest[index] == "]" || rest[index] == "］" else { break outer }
                    index = rest.index(after: index)
                }
            }
            guard index < rest.endIndex, rest[index] == ":" || rest[index] == "：" else { break }
            rest = rest[rest.index(after: index)...]
            trimLeading()
        }
        var text = String(rest)
        while let c = text.last, c.isWhitespace { text.removeLast() }
        return text
    }

    /// A full-width ASCII character (U+FF01–FF5E) as its ASCII form.
    static func halfWidth(_ c: Character) -> Character {
        guard c.unicodeScalars.count == 1, let v = c.unicodeScalars.first?.value, (0xFF01...0xFF5E).contains(v),
            let scalar = Unicode.Scalar(v - 0xFEE0)
        else { return c }
        return Character(scalar)
    }

    // MARK: Threading

    /// The `<…>` message identifiers in a header value, in order.
    public static func messageIDs(in value: String) -> [String] {
        var ids: [String] = []
        var current: String?
        for ch in value {
            if ch == "<" {
                current = "<"
            } else if ch == ">", var id = current {
                id.append(">")
                if id.count > 2, id.contains("@") || id.count > 3 { ids.append(id) }
                current = nil
            } else if ch == " " || ch == "\t" || ch == "\r" || ch == "\n" {
                if current != nil && current != "<" { current = nil }
            } else {
                current?.append(ch)
            }
        }
        return ids
    }

    /// The References of a reply: the original's References (or, without them, its single
    /// In-Reply-To identifier), then its Message-ID (RFC 5322 §3.6.4), each identifier once.
    /// When that is more than `maximumReferences`, the first (the thread's root) and the most
    /// recent ones are kept, as RFC 5322 suggests for long fields.
    public static func references(_ original: ParsedMessage) -> [String] {
        var chain = original.headers.first { $0.name.caseInsensitiveEquals("References") }.map { messageIDs(in: $0.value) } ?? []
        if chain.isEmpty, let inReplyTo = original.headers.first(where: { $0.name.caseInsensitiveEquals("In-Reply-To") }) {
            let ids = messageIDs(in: inReplyTo.value)
            if ids.count == 1 { chain = ids }
        }
        if let own = original.messageID.flatMap({ messageIDs(in: $0).first }) { chain.append(own) }
        return trimmed(chain)
    }

    /// Each identifier once (the last occurrence counts as its place), and at most
    /// `maximumReferences`: the first and the most recent.
    public static func trimmed(_ chain: [String], limit: Int = maximumReferences) -> [String] {
        var seen = Set<String>()
        var unique: [String] = []
        for id in chain.reversed() where seen.insert(id).inserted { unique.append(id) }
        unique.reverse()
        guard unique.count > limit, limit >= 2 else { return unique }
        return [unique[0]] + unique.suffix(limit - 1)
    }

    // MARK: Quote

    /// `body` quoted: `> ` before each line, `>` before an already quoted line (so `> > a`
    /// reads `>> a`) and alone on an empty one; trailing empty lines left out.
    public static func quote(_ body: String) -> [String] {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.map { line in
            if line.isEmpty { return ">" }
            if line.hasPrefix(">") { return ">" + line }
            return "> " + line
        }
    }

    /// `2026年12月7日(月) 10:15 山田 太郎 <taro@example.jp>:` or
    /// `On Mon, 7 Dec 2026 at 10:15, 山田 太郎 <taro@example.jp> wrote:` — the time as the sender
    /// wrote it (their own UTC offset), the weekday computed, not copied. Without a readable Date
    /// the date part is left out.
    public static func attribution(_ original: ParsedMessage, language: ReplyLanguage) -> String {
        let who =
            original.from.first.map { mailbox in
                mailbox.displayName.map { "\($0) <\(mailbox.address)>" } ?? mailbox.address
            } ?? (original.header("From").map(oneLine) ?? "")
        let date = original.header("Date").flatMap { MailDate(rfc5322: $0) }
        switch language {
        case .japanese:
            guard let date else { return "\(who):" }
            return "\(japaneseDate(date)) \(who):"
        case .english:
            guard let date else { return "\(who) wrote:" }
            return "On \(englishDate(date)), \(who) wrote:"
        }
    }

    /// A header value on one line: line breaks and other control characters made spaces (an
    /// original with a CR/LF-bearing header cannot break the composer's fields).
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// `2026年12月7日(月) 10:15`
    public static func japaneseDate(_ date: MailDate) -> String {
        let p = date.localParts
        let weekdays = ["日", "月", "火", "水", "木", "金", "土"]
        return "\(p.year)年\(p.month)月\(p.day)日(\(weekdays[p.weekday])) \(pad(p.hour)):\(pad(p.minute))"
    }

    /// `Mon, 7 Dec 2026 at 10:15`
    public static func englishDate(_ date: MailDate) -> String {
        let p = date.localParts
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[p.weekday]), \(p.day) \(months[p.month - 1]) \(p.year) at \(pad(p.hour)):\(pad(p.minute))"
    }

    /// The header block of an inline forward: the original's From, Date, Subject, To and Cc
    /// (decoded), each only when present.
    public static func forwardedHeaders(_ original: ParsedMessage, language: ReplyLanguage) -> [String] {
        let labels: [(field: String, en: String, ja: String)] = [
            ("From", "From", "差出人"), ("Date", "Date", "日付"), ("Subject", "Subject", "件名"), ("To", "To", "宛先"),
            ("Cc", "Cc", "CC")
        ]
        var lines = [language == .japanese ? "-------- 転送メッセージ --------" : "---------- Forwarded message ----------"]
        for label in labels {
            let value: String?
            switch label.field {
            case "From": value = original.from.isEmpty ? original.header("From") : original.from.map(\.formatted).joined(separator: ", ")
            case "To": value = original.to.isEmpty ? nil : original.to.mailboxes.map(\.formatted).joined(separator: ", ")
            case "Cc": value = original.cc.isEmpty ? nil : original.cc.mailboxes.map(\.formatted).joined(separator: ", ")
            case "Subject": value = original.subject.isEmpty ? nil : original.subject
            default: value = original.header(label.field)
            }
            guard let value, !value.isEmpty else { continue }
            lines.append("\(language == .japanese ? label.ja : label.en): \(oneLine(value))")
        }
        return lines
    }
}
