// Address.swift — mailboxes, address-list entries and address errors (RFC 5322 §3.4).


/// One mailbox: optional display name + addr-spec.
public struct Mailbox: Hashable, Sendable {
    /// Decoded Unicode (RFC 2047 decoded, quotes/escapes removed); nil if none or empty.
    public var displayName: String?
    /// The local part's content (quotes removed, escapes resolved), as typed (case kept).
    public let localPart: String
    /// Unicode form (U-labels), NFC, lowercased — what the user sees.
    public let domain: String
    /// A-label form (xn--…), lowercased — what goes in the SMTP envelope.
    public let asciiDomain: String
    /// "local@ascii-domain", made once: envelopes, keys and policies for thousands of
    /// recipients ask for it again and again.
    public let envelopeAddress: String
    /// Who this is: the local part and the A-label domain, case-folded (see `RecipientKey`),
    /// made once with the mailbox. Every "same recipient?" question compares these.
    public let key: RecipientKey

    /// Validates the display name (no line break), the local part, the domain and the length,
    /// and converts the domain (Unicode or A-labels) to both forms. Positions in errors refer to
    /// the text "localPart@domain" (to the name for a line break in the name).
    public init(displayName: String?, localPart: String, domain: String) throws(AddressError) {
        if let name = displayName, let (position, c) = HeaderText.lineBreak(in: name) {
            throw AddressError(
                kind: .lineBreak, input: name, offending: String(c), position: position,
                description: HeaderText.lineBreakProblem("the display name", name) ?? "")
        }
        let local = Array(localPart)
        let dom = Array(domain)
        let text = localPart + "@" + domain
        let ctx = AddressSyntax.Context(input: text, chars: Array(text), elementStart: 0)
        try AddressSyntax.validateLocalContent(
            local, positions: Array(0..<local.count),
            emptyPosition: local.count, address: text, ctx: ctx)
        let (unicode, ascii) = try AddressSyntax.validateDomain(
            dom, offset: local.count + 1,
            address: text, ctx: ctx)
        try AddressSyntax.checkAddressLength(local: localPart, asciiDomain: ascii, at: 0, address: text, ctx: ctx)
        self.init(
            validatedDisplayName: displayName, localPart: localPart,
            domain: unicode, asciiDomain: ascii)
    }

    /// Used after validation; normalizes an empty display name to nil.
    init(validatedDisplayName displayName: String?, localPart: String, domain: String, asciiDomain: String) {
        self.displayName = AddressSyntax.normalizedDisplayName(displayName)
        self.localPart = localPart
        self.domain = domain
        self.asciiDomain = asciiDomain
        let quoted = AddressSyntax.quotedLocalPart(localPart)
        envelopeAddress = quoted + "@" + asciiDomain
        key = RecipientKey(quotedLocalPart: quoted, asciiDomain: asciiDomain)
    }

    /// "local@unicode-domain" for display; the local part is re-quoted if it needs quoting.
    public var address: String { AddressSyntax.quotedLocalPart(localPart) + "@" + domain }

    /// The address as spelled for the envelope: the domain lowercased, the local part as typed.
    /// It names a recipient on screen and in findings; whether two mailboxes are the same
    /// recipient is `key` (which also folds the local part's case), not this.
    public var addressKey: String { envelopeAddress }

    /// True when both mailboxes are spelled the same for the envelope (display names ignored;
    /// the local part's case counts). For "the same recipient?" use `isSameRecipient(as:)`.
    public func hasSameAddress(as other: Mailbox) -> Bool { addressKey == other.addressKey }

    /// True when both mailboxes are the same recipient by `key` (`Bob@x` and `bob@x` are).
    public func isSameRecipient(as other: Mailbox) -> Bool { key == other.key }

    /// `Name <local@unicode-domain>` (name quoted if it contains specials), or just the address.
    /// Parsing this text again gives back an equal mailbox.
    public var formatted: String {
        guard let name = displayName else { return address }
        return AddressSyntax.quotedDisplayName(name) + " <" + address + ">"
    }
}

public enum AddressListEntry: Hashable, Sendable {
    case mailbox(Mailbox)
    case group(name: String, members: [Mailbox])
}

extension Array where Element == AddressListEntry {
    /// All mailboxes, group members flattened in order.
    public var mailboxes: [Mailbox] {
        // Appended in place: a list of thousands makes no array for each entry.
        var out: [Mailbox] = []
        out.reserveCapacity(count)
        for entry in self {
            switch entry {
            case .mailbox(let m): out.append(m)
            case .group(_, let members): out.append(contentsOf: members)
            }
        }
        return out
    }

    /// True when some entry is a mailbox or a group with members.
    public var hasMailbox: Bool {
        contains { entry in
            switch entry {
            case .mailbox: true
            case .group(_, let members): !members.isEmpty
            }
        }
    }
}

public struct AddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing to parse where one address was required, or an empty `<>`.
        case empty
        /// Full-width ASCII (U+FF01–U+FF5E), full-width space U+3000, ideographic full stop `。`/`｡`.
        case fullWidthCharacter
        /// `、` (U+3001) or `，` (U+FF0C) where a `,` belongs.
        case japaneseSeparator
        /// A character that looks like an ASCII one but is not (e.g. `ー` U+30FC for `-`), or a
        /// domain character that IDNA would silently turn into another one (e.g. `ⓔ` into `e`).
        case lookalikeCharacter
        /// A non-breaking or other non-ASCII space, or a zero-width character, inside an address.
        case invisibleCharacter
        case missingAt
        /// A second `@` in one address.
        case multipleAt
        case invalidLocalPart
        case invalidDomain
        case unterminatedQuote
        case unterminatedComment
        case unterminatedAngle
        /// A group `Name: …` without its closing `;`.
        case unterminatedGroup
        case unexpectedCharacter
        /// SMTPUTF8 is not supported.
        case nonASCIILocalPart
        /// Text after a complete address that is not a `,`.
        case trailingGarbage
        /// `;` used between addresses (Outlook habit) instead of `,`.
        case semicolonSeparator
        /// A display name containing `@` (or other specials) that is not quoted.
        case displayNameNeedsQuotes
        /// A group where exactly one mailbox is required, or a group inside a group.
        case groupNotAllowed
        /// More than one address where exactly one is required.
        case tooManyAddresses
        /// A CR or LF that is not part of a fold (CRLF followed by a space or tab), or a display
        /// name that decodes (RFC 2047) to text with a line break.
        case lineBreak
        /// An address longer than the 254 octets SMTP carries (RFC 5321 §4.5.3.1.3).
        case addressTooLong
    }

    public let kind: Kind
    /// The whole text that was parsed.
    public let input: String
    /// The offending text (a character, a word, an address).
    public let offending: String
    /// 1-based character position in `input` where the problem is.
    public let position: Int
    /// The full explanation, e.g. "full-width '＠' (U+FF20) at position 5 in 'taro＠example.jp': type the ASCII '@'".
    public let description: String

    init(kind: Kind, input: String, offending: String, position: Int, description: String) {
        self.kind = kind
        self.input = input
        self.offending = offending
        self.position = position
        self.description = description
    }
}

// MARK: - Shared syntax checks (used by the parser and by Mailbox.init)

enum AddressSyntax {
    /// The first ',' in `chars[from..<end]` that separates list elements: outside quotes,
    /// comments and angle brackets, none of which may be open at `from`. Nil when there is none.
    /// (At such a ',' nothing is open, so a scan may start again right after it.)
    static func nextSeparator(in chars: [Character], from: Int, before end: Int) -> Int? {
        var depth = 0, angle = false, quoted = false
        var i = max(from, 0)
        let end = min(end, chars.count)
        while i < end {
            let c = chars[i]
            if quoted {
                if c == "\\" { i += 1 } else if c == "\"" { quoted = false }
            } else if depth > 0 {
                if c == "\\" { i += 1 } else if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            } else {
                switch c {
                case "\"": quoted = true
                case "(": depth += 1
                case "<": angle = true
                case ">": angle = false
                case ",": if !angle { return i }
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    /// Builds errors for one input text; `elementStart` is where the current list element begins,
    /// so messages quote that element rather than a whole long list.
    struct Context {
        let input: String
        let chars: [Character]
        var elementStart: Int

        /// The current list element: from `elementStart` up to the next top-level ',' (outside
        /// quotes, comments and angle brackets), trimmed.
        var elementText: String {
            trimmed(elementStart, AddressSyntax.nextSeparator(in: chars, from: elementStart, before: chars.count) ?? chars.count)
        }

        private func trimmed(_ from: Int, _ to: Int) -> String {
            let lo = min(max(from, 0), chars.count), hi = min(max(to, lo), chars.count)
            var s = String(chars[lo..<hi])
            while let f = s.first, AddressSyntax.isWSP(f) { s.removeFirst() }
            while let l = s.last, AddressSyntax.isWSP(l) { s.removeLast() }
            return s
        }

        func text(_ from: Int, _ to: Int) -> String {
            let lo = min(max(from, 0), chars.count), hi = min(max(to, lo), chars.count)
            return String(chars[lo..<hi])
        }

        /// `what` at position N in 'element': `hint`. A line break in the element is shown as
        /// `\r` / `\n`, so that a message is always one line.
        func error(
            _ kind: AddressError.Kind, at index: Int, offending: String,
            _ what: String, _ hint: String
        ) -> AddressError {
            let position = index + 1
            let element = elementText
            let shown = HeaderText.escapingLineBreaks(element.isEmpty ? input : element)
            return AddressError(
                kind: kind, input: input, offending: offending, position: position,
                description: "\(what) at position \(position) in '\(shown)': \(hint)")
        }
    }

    // MARK: Character classes

    /// Space, tab, and CRLF: the parser refuses every CRLF that is not followed by a space or a
    /// tab (a fold) before anything else, so a "\r\n" met later is always part of folding
    /// white space. A bare CR or LF is never white space (see `AddressListParser.checkLineBreaks`).
    static func isWSP(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\r\n"
    }

    /// Non-ASCII spaces and invisible characters that are harmless at the edges of a list element.
    static func isBoundarySpace(_ c: Character) -> Bool {
        guard c.unicodeScalars.count == 1, let s = c.unicodeScalars.first else { return false }
        return s.value == 0x3000 || isUnicodeSpace(s) || isInvisible(s)
    }

    static func isUnicodeSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00A0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F: return true
        default: return false
        }
    }

    /// Zero-width characters that IDNA would drop silently or that hide in pasted text.
    /// (ZWNJ/ZWJ are left to libidn2: some scripts need them in domain labels.)
    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00AD, 0x200B, 0x2060, 0xFEFF: return true
        default: return false
        }
    }

    /// RFC 5322 atext (ASCII only).
    static func isASCIIAtext(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        return isASCIIAtext(byte: a)
    }

    static func isASCIIAtext(byte a: UInt8) -> Bool {
        switch a {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: return true
        default: return "!#$%&'*+-/=?^_`{|}~".utf8.contains(a)
        }
    }

    static func isLDH(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        return (0x41...0x5A).contains(a) || (0x61...0x7A).contains(a) || (0x30...0x39).contains(a) || a == 0x2D
    }

    static func scalarName(_ s: Unicode.Scalar) -> String {
        "U+" + String(s.value, radix: 16, uppercase: true).leftPadded(to: 4)
    }

    /// Describes a character for messages: `'x'`, or the code point for invisible ones.
    static func show(_ c: Character) -> String {
        if let a = c.asciiValue, a < 0x20 || a == 0x7F {
            return scalarName(Unicode.Scalar(a))
        }
        if c == " " { return "space" }
        if c.isASCII { return "'\(c)'" }
        return "'\(c)' (\(c.unicodeScalars.map(scalarName).joined(separator: " ")))"
    }

    // MARK: Japanese keyboard slips

    struct Slip {
        let kind: AddressError.Kind
        let what: String
        let hint: String
    }

    /// Characters that a Japanese input method produces in place of the ASCII ones an address needs.
    /// `betweenAddresses` picks the hint for the full-width space.
    static func slip(_ c: Character, betweenAddresses: Bool = false) -> Slip? {
        // ASCII is never a slip: the common case, decided without building any text.
        if let ascii = c.asciiValue, ascii >= 0x20 { return nil }
        for s in c.unicodeScalars {
            let code = scalarName(s)
            switch s.value {
            case 0x3000:
                return Slip(
                    kind: .fullWidthCharacter, what: "full-width space (\(code))",
                    hint: betweenAddresses
                        ? "separate addresses with the ASCII ','"
                        : "an address cannot contain a space; delete it (or type the ASCII ',' between addresses)")
            case 0x3001:
                return Slip(
                    kind: .japaneseSeparator, what: "Japanese comma '、' (\(code))",
                    hint: "separate addresses with the ASCII ','")
            case 0xFF0C:
                return Slip(
                    kind: .japaneseSeparator, what: "full-width comma '，' (\(code))",
                    hint: "separate addresses with the ASCII ','")
            case 0x3002:
                return Slip(
                    kind: .fullWidthCharacter, what: "ideographic full stop '。' (\(code))",
                    hint: "type the ASCII '.'")
            case 0xFF61:
                return Slip(
                    kind: .fullWidthCharacter, what: "half-width ideographic full stop '｡' (\(code))",
                    hint: "type the ASCII '.'")
            case 0xFF01...0xFF5E:
                let ascii = Character(Unicode.Scalar(UInt8(s.value - 0xFEE0)))
                return Slip(
                    kind: .fullWidthCharacter, what: "full-width '\(Character(s))' (\(code))",
                    hint: "type the ASCII '\(ascii)'")
            case _ where isUnicodeSpace(s):
                return Slip(
                    kind: .invisibleCharacter, what: "non-ASCII space (\(code))",
                    hint: betweenAddresses
                        ? "separate addresses with the ASCII ','"
                        : "an address cannot contain a space; delete it")
            case _ where isInvisible(s):
                return Slip(
                    kind: .invisibleCharacter, what: "invisible character (\(code))",
                    hint: "delete it (it often comes with pasted text)")
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212:
                return Slip(
                    kind: .lookalikeCharacter, what: "dash '\(Character(s))' (\(code))",
                    hint: "type the ASCII '-'")
            default:
                continue
            }
        }
        return nil
    }

    static func slipError(_ c: Character, at index: Int, ctx: Context, betweenAddresses: Bool = false) -> AddressError? {
        guard let s = slip(c, betweenAddresses: betweenAddresses) else { return nil }
        return ctx.error(s.kind, at: index, offending: String(c), s.what, s.hint)
    }

    /// The common case, decided on bytes: ASCII letters, digits, '-' and '.', two or more labels
    /// of 1 to 63 characters, none starting or ending with '-' and none with "--" in the third
    /// and fourth positions (an A-label "xn--", or a reserved one), a
    /// last label that is not all digits, 253 characters at most. Returns it lowercased; nil
    /// for anything else, which takes the careful path (that also words the errors). Thousands of
    /// recipients are parsed on every confirmation, and most of them are this.
    static func plainASCIIDomain(_ domain: [Character]) -> String? {
        guard !domain.isEmpty, domain.count <= 253 else { return nil }
        var bytes = [UInt8](repeating: 0, count: domain.count)
        for (i, c) in domain.enumerated() {
            // "\r\n" is one Character whose asciiValue is 10: refused below like any control.
            guard c.utf8.count == 1, let a = c.asciiValue else { return nil }
            bytes[i] = a
        }
        return plainASCIIDomain(bytes: bytes)
    }

    /// `plainASCIIDomain` on the domain's UTF-8 bytes.
    static func plainASCIIDomain<Bytes: Collection<UInt8>>(bytes domain: Bytes) -> String? {
        let count = domain.count
        guard count >= 1, count <= 253 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var labelStart = 0
        var labels = 0
        var lastLabelAllDigits = true
        for (i, byte) in domain.enumerated() {
            var a = byte
            if a == 0x2E { // '.'
                let length = i - labelStart
                guard length >= 1, length <= 63, bytes[i - 1] != 0x2D else { return nil }
                labels += 1
                labelStart = i + 1
                lastLabelAllDigits = true
            } else {
                if a >= 0x41 && a <= 0x5A { a |= 0x20 }
                let digit = a >= 0x30 && a <= 0x39
                guard digit || (a >= 0x61 && a <= 0x7A) || a == 0x2D else { return nil }
                if a == 0x2D && i == labelStart { return nil }
                // "--" in the third and fourth positions: an A-label ("xn--"), checked by IDNA, or
                // a reserved label, refused; both on the careful path.
                if a == 0x2D && i == labelStart + 3 && bytes[labelStart + 2] == 0x2D {
                    return nil
                }
                if !digit { lastLabelAllDigits = false }
            }
            bytes[i] = a
        }
        let length = count - labelStart
        guard length >= 1, length <= 63, bytes[count - 1] != 0x2D, labels >= 1, !lastLabelAllDigits else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Local part

    static func isDotAtom(_ s: some Collection<Character>) -> Bool {
        var previousDot = true
        for c in s {
            if c == "." {
                if previousDot { return false }
                previousDot = true
            } else if isASCIIAtext(c) {
                previousDot = false
            } else {
                return false
            }
        }
        return !previousDot
    }

    /// `isDotAtom` on the bytes of ASCII text (each byte one Character, "\r\n" aside, which is
    /// no atext either way); nil when the text is not all ASCII.
    static func isDotAtom(asciiBytes bytes: String.UTF8View) -> Bool? {
        var previousDot = true
        var dotAtom = true
        for a in bytes {
            guard a < 0x80 else { return nil }
            if a == 0x2E {
                if previousDot { dotAtom = false }
                previousDot = true
            } else {
                if !isASCIIAtext(byte: a) { dotAtom = false }
                previousDot = false
            }
        }
        return dotAtom && !previousDot
    }

    /// The local part as it must be written: dot-atom as is, anything else quoted with escapes.
    static func quotedLocalPart(_ local: String) -> String {
        if isDotAtom(asciiBytes: local.utf8) ?? isDotAtom(local) { return local }
        return quote(local)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        out.append("\"")
        return out
    }

    /// The display name as it must be written in a phrase: as is if it is atoms (non-ASCII allowed)
    /// separated by single spaces, quoted otherwise.
    static func quotedDisplayName(_ name: String) -> String {
        if let plain = plainDisplayName(name) { return plain ? name : quote(name) }
        return quotedDisplayNameCarefully(name)
    }

    /// `quotedDisplayName` decided on Characters, for any text.
    static func quotedDisplayNameCarefully(_ name: String) -> String {
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        let plain =
            !words.isEmpty
            && words.allSatisfy { word in
                !word.isEmpty && word.allSatisfy { c in isASCIIAtext(c) || (!c.isASCII && !isWSP(c)) }
            } && !name.contains("=?")
        return plain ? name : quote(name)
    }

    /// `quotedDisplayName`'s question, decided on scalars when every scalar of `name` is ASCII
    /// atext, a space, or a CJK ideograph or kana (each its own Character, so the answer is the
    /// one the Characters give): true when it is written as is, false when it needs quotes; nil
    /// for any other scalar (the Characters decide). A bulk job formats thousands of names.
    static func plainDisplayName(_ name: String) -> Bool? {
        var previousSpace = true
        var previousEquals = false
        var plain = true
        for scalar in name.unicodeScalars {
            let v = scalar.value
            if v == 0x20 {
                if previousSpace { plain = false }
                previousSpace = true
                previousEquals = false
                continue
            }
            if v < 0x80 {
                guard isASCIIAtext(byte: UInt8(v)) else { return nil }
                if previousEquals && v == 0x3F { plain = false } // "=?"
                previousEquals = v == 0x3D
            } else {
                let kana = (0x3041...0x3096).contains(v) || (0x30A1...0x30FA).contains(v) || v == 0x30FC
                guard kana || scalar.properties.isIdeographic else { return nil }
                previousEquals = false
            }
            previousSpace = false
        }
        return plain && !previousSpace
    }

    static func normalizedDisplayName(_ name: String?) -> String? {
        guard var s = name else { return nil }
        while let f = s.first, isWSP(f) || f == "\u{3000}" { s.removeFirst() }
        while let l = s.last, isWSP(l) || l == "\u{3000}" { s.removeLast() }
        return s.isEmpty ? nil : s
    }

    /// Checks the content of a local part (quotes already removed). `positions[i]` is the index in
    /// `ctx.chars` of `content[i]`; `emptyPosition` is where to point when the content is empty.
    static func validateLocalContent(
        _ content: [Character], positions: [Int], emptyPosition: Int,
        address makeAddress: @autoclosure () -> String, ctx: Context
    ) throws(AddressError) {
        // The address text is only built for an error message.
        var address: String { makeAddress() }
        if content.isEmpty {
            throw ctx.error(
                .invalidLocalPart, at: emptyPosition, offending: address,
                "empty local part before '@'", "type the part before '@', e.g. taro@example.jp")
        }
        for (i, c) in content.enumerated() {
            if let e = slipError(c, at: positions[i], ctx: ctx) { throw e }
        }
        if let i = content.firstIndex(where: { !$0.isASCII }) {
            let local = String(content)
            throw ctx.error(
                .nonASCIILocalPart, at: positions[i], offending: address,
                "non-ASCII local part '\(local)' of '\(address)'",
                "guardmail cannot send to addresses whose part before '@' is not ASCII (SMTPUTF8 is not supported)")
        }
        if let i = content.firstIndex(where: { c in c.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) {
            throw ctx.error(
                .invalidLocalPart, at: positions[i], offending: address,
                "control character \(show(content[i])) in the local part of '\(address)'",
                "remove it")
        }
        let octets = String(content).utf8.count
        if octets > 64 {
            throw ctx.error(
                .invalidLocalPart, at: positions[0], offending: address,
                "local part of '\(address)' is \(octets) characters long",
                "the part before '@' can be at most 64 characters")
        }
    }

    /// RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets.
    static let maxAddressOctets = 254

    /// The whole address as it goes into `RCPT TO` (the local part quoted where it must be, the
    /// domain in A-labels) fits in SMTP. `index` is where the address starts in `ctx.chars`.
    static func checkAddressLength(
        local: String, asciiDomain: String, at index: Int,
        address makeAddress: @autoclosure () -> String, ctx: Context
    ) throws(AddressError) {
        let octets = quotedLocalPart(local).utf8.count + 1 + asciiDomain.utf8.count
        guard octets > maxAddressOctets else { return }
        let address = makeAddress()
        throw ctx.error(
            .addressTooLong, at: index, offending: address,
            "address '\(address)' is \(octets) octets long as sent",
            "an address can be at most \(maxAddressOctets) octets (RFC 5321)")
    }

    // MARK: Domain

    /// Validates a domain (dot-atom of LDH labels or IDN labels) and returns its Unicode and
    /// A-label forms. `offset` is the index in `ctx.chars` of `domain[0]`.
    static func validateDomain(
        _ domain: [Character], offset: Int, address makeAddress: @autoclosure () -> String,
        ctx: Context
    ) throws(AddressError) -> (unicode: String, ascii: String) {
        if let plain = plainASCIIDomain(domain) { return (plain, plain) }
        return try validateDomainCarefully(domain, offset: offset, address: makeAddress(), ctx: ctx)
    }

    /// Every check, with the error for the first that fails (see `plainASCIIDomain` for the
    /// shortcut taken before it).
    static func validateDomainCarefully(
        _ domain: [Character], offset: Int, address makeAddress: @autoclosure () -> String,
        ctx: Context
    ) throws(AddressError) -> (unicode: String, ascii: String) {
        var address: String { makeAddress() }
        let text = String(domain)
        if domain.isEmpty {
            throw ctx.error(
                .invalidDomain, at: max(offset - 1, 0), offending: address,
                "nothing after '@'", "type the domain, e.g. taro@example.jp")
        }
        for (i, c) in domain.enumerated() {
            if let e = slipError(c, at: offset + i, ctx: ctx) { throw e }
        }
        if domain.first == "[" {
            throw ctx.error(
                .invalidDomain, at: offset, offending: text,
                "domain literal '\(text)'", "address literals are not supported; use the host name")
        }
        // Split into labels, remembering where each starts.
        var labels: [(start: Int, chars: [Character])] = []
        var current: [Character] = []
        var start = 0
        for (i, c) in domain.enumerated() {
            if c == "." {
                labels.append((start, current))
                current = []
                start = i + 1
            } else {
                current.append(c)
            }
        }
        labels.append((start, current))

        for (n, label) in labels.enumerated() where label.chars.isEmpty {
            if n == 0 {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "domain '\(text)' starts with '.'", "remove the leading '.'")
            } else if n == labels.count - 1 {
                throw ctx.error(
                    .invalidDomain, at: offset + label.start - 1, offending: text,
                    "domain '\(text)' ends with '.'", "remove the trailing '.'")
            } else {
                throw ctx.error(
                    .invalidDomain, at: offset + label.start, offending: text,
                    "domain '\(text)' has two dots in a row", "remove one '.'")
            }
        }

        var needsIDNA = false
        for label in labels {
            let labelText = String(label.chars)
            let at = offset + label.start
            for (i, c) in label.chars.enumerated() {
                if c.isASCII && !isLDH(c) {
                    throw ctx.error(
                        .invalidDomain, at: at + i, offending: String(c),
                        "\(show(c)) is not allowed in the domain '\(text)'",
                        "a domain has only letters, digits, '-' and '.'")
                }
                if !c.isASCII && isWSP(c) {
                    throw ctx.error(
                        .invalidDomain, at: at + i, offending: String(c),
                        "space in the domain '\(text)'", "remove it")
                }
            }
            if label.chars.first == "-" {
                throw ctx.error(
                    .invalidDomain, at: at, offending: labelText,
                    "domain label '\(labelText)' starts with '-'", "a label cannot start or end with '-'")
            }
            if label.chars.last == "-" {
                throw ctx.error(
                    .invalidDomain, at: at + label.chars.count - 1, offending: labelText,
                    "domain label '\(labelText)' ends with '-'", "a label cannot start or end with '-'")
            }
            let allASCII = label.chars.allSatisfy(\.isASCII)
            if allASCII {
                if label.chars.count > 63 {
                    throw ctx.error(
                        .invalidDomain, at: at, offending: labelText,
                        "domain label '\(labelText)' is \(label.chars.count) characters long",
                        "a label can be at most 63 characters")
                }
                if label.chars.count >= 4 && label.chars[2] == "-" && label.chars[3] == "-"
                    && !labelText.lowercased().hasPrefix("xn--")
                {
                    throw ctx.error(
                        .invalidDomain, at: at + 2, offending: labelText,
                        "domain label '\(labelText)' has '--' in the third and fourth positions",
                        "only internationalized labels (xn--…) may have that (RFC 5891 §4.2.3.1); check the domain")
                }
                if labelText.lowercased().hasPrefix("xn--") {
                    needsIDNA = true
                    // An A-label must decode and re-encode to itself.
                    var valid = false
                    if let u = try? IDNA.toUnicode(labelText), u.lowercased() != labelText.lowercased(),
                        let back = try? IDNA.toASCII(u), back == labelText.lowercased()
                    {
                        valid = true
                    }
                    if !valid {
                        throw ctx.error(
                            .invalidDomain, at: at, offending: labelText,
                            "'\(labelText)' is not a valid internationalized (xn--) label",
                            "check the domain")
                    }
                }
            } else {
                needsIDNA = true
                // A character that UTS #46 turns into ASCII (Kelvin sign 'K' into 'k', U+037E into
                // ';', 'x' with a variation selector into 'x'): Swift compares such text equal to its
                // ASCII form, so the round trip below would not see the change. Ask IDNA, per character.
                for (i, c) in label.chars.enumerated() where !c.isASCII {
                    guard let mapped = try? IDNA.toASCII(String(c), std3: false), !mapped.isEmpty,
                        !mapped.hasPrefix("xn--"), mapped.unicodeScalars.allSatisfy(\.isASCII)
                    else { continue }
                    if mapped.unicodeScalars.allSatisfy(IDNA.isLDH) {
                        throw ctx.error(
                            .lookalikeCharacter, at: at + i, offending: String(c),
                            "\(show(c)) in the domain '\(text)' stands for '\(mapped)'",
                            "type '\(mapped)' if that is what you mean")
                    }
                    throw ctx.error(
                        .invalidDomain, at: at + i, offending: String(c),
                        "\(show(c)) in the domain '\(text)' stands for '\(mapped)'",
                        "a domain has only letters, digits, '-' and '.'")
                }
                // A long-vowel mark 'ー' among otherwise ASCII characters is a mistyped '-'.
                let others = label.chars.filter { $0 != "ー" }
                if others.count < label.chars.count, !others.isEmpty, others.allSatisfy(\.isASCII),
                    let i = label.chars.firstIndex(of: "ー")
                {
                    throw ctx.error(
                        .lookalikeCharacter, at: at + i, offending: "ー",
                        "katakana long-vowel mark 'ー' (U+30FC) in '\(labelText)'", "type the ASCII '-'")
                }
                // Latin letters mixed with Cyrillic or Greek ones: a homograph (examplе with a Cyrillic е).
                if label.chars.contains(where: { $0.isASCII && $0.isLetter }),
                    let i = label.chars.firstIndex(where: { c in
                        c.unicodeScalars.contains { (0x0370...0x03FF).contains($0.value) || (0x0400...0x052F).contains($0.value) }
                    })
                {
                    let c = label.chars[i]
                    let script = c.unicodeScalars.contains { (0x0370...0x03FF).contains($0.value) } ? "Greek" : "Cyrillic"
                    throw ctx.error(
                        .lookalikeCharacter, at: at + i, offending: String(c),
                        "\(script) \(show(c)) among Latin letters in '\(labelText)'",
                        "it looks like a Latin letter but is not; retype the domain")
                }
                let roundTrip: String
                do {
                    roundTrip = try IDNA.toUnicode(try IDNA.toASCII(labelText))
                } catch {
                    throw ctx.error(
                        .invalidDomain, at: at, offending: labelText,
                        "'\(labelText)' is not a valid internationalized domain label (\(error.message))",
                        "check the domain")
                }
                // UTS #46 maps some characters to others (ⓔ → e, ｶ → カ); never let that happen unseen.
                if roundTrip != labelText.lowercased() {
                    for (i, c) in label.chars.enumerated() where !c.isASCII {
                        guard let a = try? IDNA.toASCII(String(c)), let u = try? IDNA.toUnicode(a),
                            u != String(c).lowercased()
                        else { continue }
                        throw ctx.error(
                            .lookalikeCharacter, at: at + i, offending: String(c),
                            "\(show(c)) in the domain '\(text)' stands for '\(u)'",
                            "type '\(u)' if that is what you mean")
                    }
                    throw ctx.error(
                        .lookalikeCharacter, at: at, offending: labelText,
                        "domain label '\(labelText)' stands for '\(roundTrip)'",
                        "type '\(roundTrip)' if that is what you mean")
                }
            }
        }

        if labels.count < 2 {
            throw ctx.error(
                .invalidDomain, at: offset, offending: text,
                "domain '\(text)' needs a dot", "type the full domain, e.g. example.jp")
        }
        if let tld = labels.last, tld.chars.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ctx.error(
                .invalidDomain, at: offset, offending: text,
                "domain '\(text)' looks like an IP address", "IP addresses are not supported; use the host name")
        }

        let ascii: String
        let unicode: String
        if needsIDNA {
            do {
                ascii = try IDNA.toASCII(text)
                unicode = try IDNA.toUnicode(ascii).lowercased() // U-labels are NFC by definition (RFC 5891 §5.4)
            } catch {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "'\(text)' is not a valid internationalized domain (\(error.message))",
                    "check the domain")
            }
        } else {
            ascii = text.lowercased()
            unicode = ascii
        }
        if ascii.utf8.count > 253 {
            throw ctx.error(
                .invalidDomain, at: offset, offending: text,
                "domain '\(text)' is \(ascii.utf8.count) characters long", "a domain can be at most 253 characters")
        }
        if let long = ascii.split(separator: ".").first(where: { $0.utf8.count > 63 }) {
            throw ctx.error(
                .invalidDomain, at: offset, offending: text,
                "domain '\(text)' has a label of \(long.utf8.count) characters when encoded",
                "a label can be at most 63 characters")
        }
        try checkEncodedLabels(ascii, text: text, offset: offset, ctx: ctx)
        return (unicode, ascii)
    }

    /// The last word on a domain, on the form that goes into the envelope whatever the checks
    /// before it concluded: every label letters, digits and '-' only, not starting or ending
    /// with '-', and "--" in the third and fourth positions only in an A-label ("xn--") whose
    /// U-label obeys the same hyphen rules (RFC 5891 §4.2.3.1, RFC 5890 §2.3.1).
    static func checkEncodedLabels(_ ascii: String, text: String, offset: Int, ctx: Context) throws(AddressError) {
        for label in ascii.split(separator: ".", omittingEmptySubsequences: false) {
            let shown = text == ascii ? "'\(text)'" : "'\(text)' (encoded '\(ascii)')"
            if let bad = label.unicodeScalars.first(where: { !IDNA.isLDH($0) }) {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "domain \(shown) has \(show(Character(bad))) in the label '\(label)'",
                    "a domain has only letters, digits, '-' and '.'")
            }
            if label.isEmpty || label.hasPrefix("-") || label.hasSuffix("-") {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "domain \(shown) has the label '\(label)'", "a label cannot be empty, or start or end with '-'")
            }
            let bytes = Array(label.utf8)
            guard bytes.count >= 4, bytes[2] == 0x2D, bytes[3] == 0x2D else { continue }
            guard label.hasPrefix("xn--"), let u = try? IDNA.toUnicode(String(label)), u != String(label) else {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "domain \(shown) has the label '\(label)' with '--' in the third and fourth positions",
                    "only a valid internationalized label (xn--…) may have that; check the domain")
            }
            let uChars = Array(u)
            if u.hasPrefix("-") || u.hasSuffix("-") || (uChars.count >= 4 && uChars[2] == "-" && uChars[3] == "-") {
                throw ctx.error(
                    .invalidDomain, at: offset, offending: text,
                    "domain \(shown) has the label '\(label)', which stands for '\(u)'",
                    "an internationalized label cannot start or end with '-' or have '--' in the third and fourth positions")
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
