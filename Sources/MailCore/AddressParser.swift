// AddressParser.swift — RFC 5322 §3.4 address lists, with clear errors for keyboard slips.
//
// Accepted: display names as atoms, quoted strings (with `\` escapes), RFC 2047 encoded-words
// and raw UTF-8; angle addresses; bare addr-specs; quoted local parts; nested comments wherever
// CFWS is allowed; groups (`Team: a@x.jp, b@y.jp;`, `undisclosed-recipients:;`); empty list
// elements (`a@x.jp, , b@y.jp`).
// Rejected with an error naming the character and its position: full-width and other
// Japanese-input slips inside addresses or between them, domain literals, source routes,
// single-label domains, non-ASCII local parts, unquoted specials in display names, and line
// breaks (see `checkLineBreaks`). Nothing is silently corrected.

public enum AddressParser {
    /// Parses a comma-separated address list (groups allowed). Empty or blank text gives [].
    /// Throws the first error, the one `parseListRecovering` lists first.
    public static func parseList(_ text: String) throws(AddressError) -> [AddressListEntry] {
        var p = AddressListParser(text)
        let result = p.parseList(recover: false)
        if let first = result.failures.first { throw first.error }
        return result.entries
    }

    /// Parses a comma-separated address list and reads on after an error: every entry that
    /// parses is returned, and every entry that does not gives its error (the one `parseList`
    /// would throw for it, with its position in the whole text). After an error the parse goes
    /// on at the next ',' outside quotes, comments and angle brackets. It does not go on when
    /// the error is inside a group (`Team: a@x.jp, b@y.jp;`, whose commas separate members, not
    /// list entries) or is a line break (refused before anything is parsed, so the text gives
    /// that one error and no entries).
    public static func parseListRecovering(_ text: String) -> AddressListParse {
        var p = AddressListParser(text)
        return p.parseList(recover: true)
    }

    /// Parses exactly one mailbox (no group, no list).
    public static func parseMailbox(_ text: String) throws(AddressError) -> Mailbox {
        if let plain = plainAddrSpec(text) { return plain }
        return try parseMailboxCarefully(text)
    }

    /// `parseMailbox` without the shortcut: every check, with the error for the first that fails.
    static func parseMailboxCarefully(_ text: String) throws(AddressError) -> Mailbox {
        var p = AddressListParser(text)
        return try p.parseSingleMailbox()
    }

    /// The common case of `parseMailbox`, decided on bytes: a bare `local@domain` with nothing
    /// around it, the local part a dot-atom of ASCII atext (64 octets at most), the domain what
    /// `AddressSyntax.plainASCIIDomain` takes, 254 octets in all. The mailbox is the one the
    /// careful parse gives for the same text (the tests compare the two); nil for anything else,
    /// which takes the careful path. A recipient file of thousands of plain addresses is parsed
    /// on every bulk job; each address through the parser costs ~70,000 instructions, this ~1,000.
    static func plainAddrSpec(_ text: String) -> Mailbox? {
        guard text.utf8.count <= AddressSyntax.maxAddressOctets else { return nil }
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { bytes -> Mailbox? in
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at >= 1, at <= 64 else { return nil }
            var previousDot = true
            for a in bytes[..<at] {
                if a == UInt8(ascii: ".") {
                    if previousDot { return nil }
                    previousDot = true
                } else if AddressSyntax.isASCIIAtext(byte: a) {
                    previousDot = false
                } else {
                    return nil
                }
            }
            guard !previousDot, let domain = AddressSyntax.plainASCIIDomain(bytes: bytes[(at + 1)...]) else { return nil }
            let local = String(decoding: bytes[..<at], as: UTF8.self)
            return Mailbox(validatedDisplayName: nil, localPart: local, domain: domain, asciiDomain: domain)
        } ?? nil
    }
}

/// An address list read to its end: the entries that parse, in order, and the error of each
/// entry that does not, in order of position.
public struct AddressListParse: Sendable, Equatable {
    public struct Failure: Sendable, Equatable {
        /// The same error `AddressParser.parseList` gives for this entry; its `position` counts
        /// characters (1-based) in the whole text.
        public let error: AddressError
        /// The list entry that holds the error (its text between the ',' around it, trimmed).
        public let entry: String
        /// 1-based character position of the error in the whole text.
        public var position: Int { error.position }
    }

    public let entries: [AddressListEntry]
    public let failures: [Failure]

    /// All mailboxes of the entries that parse, group members flattened in order.
    public var mailboxes: [Mailbox] { entries.mailboxes }
}

private struct AddressListParser {
    typealias S = AddressSyntax

    let chars: [Character]
    var ctx: S.Context
    var pos = 0
    /// Inside a group's members: an error there ends the list parse (see `parseListRecovering`).
    var inGroup = false

    init(_ text: String) {
        chars = Array(text)
        ctx = S.Context(input: text, chars: chars, elementStart: 0)
    }

    var atEnd: Bool { pos >= chars.count }
    var current: Character? { pos < chars.count ? chars[pos] : nil }

    // MARK: Lists

    /// The list's entries and errors; without `recover`, it stops at the first error.
    mutating func parseList(recover: Bool) -> AddressListParse {
        do {
            try checkLineBreaks()
        } catch {
            return AddressListParse(entries: [], failures: [failure(error, scanningFrom: 0)])
        }
        var entries: [AddressListEntry] = []
        var failures: [AddressListParse.Failure] = []
        // Where the search for the ',' to go on at starts: a separator found from there is
        // outside quotes, comments and angle brackets, so the text after it starts afresh.
        var scanFrom = 0
        while true {
            do throws(AddressError) {
                // An unclosed comment before the address is this entry's error, not the last one's.
                ctx.elementStart = pos
                try skipCFWS(boundary: true)
                guard let c = current else { break }
                if c == "," {
                    pos += 1
                    continue
                }
                ctx.elementStart = pos
                inGroup = false
                let entry = try parseAddress(allowGroup: true, inGroup: false)
                try skipToSeparator(inGroup: false)
                if let next = current, next != "," { throw afterAddressError(inGroup: false) }
                entries.append(entry)
                guard current != nil else { break }
                pos += 1
            } catch {
                failures.append(failure(error, scanningFrom: scanFrom))
                guard recover, !inGroup, let comma = listSeparator(atOrAfter: error.position - 1, scanningFrom: scanFrom) else { break }
                pos = comma + 1
                scanFrom = comma + 1
            }
        }
        return AddressListParse(entries: entries, failures: failures)
    }

    /// The error with the list element that holds it, searched from `from` (the text's start or
    /// just after a separator, so that a long list is not scanned again for each error).
    func failure(_ error: AddressError, scanningFrom from: Int) -> AddressListParse.Failure {
        var context = ctx
        let index = min(max(error.position - 1, 0), chars.count)
        context.elementStart = elementStart(containing: index, scanningFrom: min(from, index))
        return AddressListParse.Failure(error: error, entry: context.elementText)
    }

    /// The index of the first ',' at or after `start` that is outside quotes, comments and
    /// angle brackets, scanning from `from` (where no quote, comment or angle bracket is open)
    /// so that the quoting state is right.
    func listSeparator(atOrAfter start: Int, scanningFrom from: Int) -> Int? {
        var quoted = false, escaped = false, comment = 0, angle = false
        var index = from
        while index < chars.count {
            let c = chars[index]
            defer { index += 1 }
            if escaped {
                escaped = false
                continue
            }
            if quoted {
                if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\\" where comment > 0: escaped = true
            case "\"" where comment == 0: quoted = true
            case "(": comment += 1
            case ")": comment = max(0, comment - 1)
            case "<" where comment == 0: angle = true
            case ">" where comment == 0: angle = false
            case "," where comment == 0 && !angle && index >= start: return index
            default: break
            }
        }
        return nil
    }

    mutating func parseSingleMailbox() throws(AddressError) -> Mailbox {
        try checkLineBreaks()
        try skipCFWS(boundary: true)
        if atEnd {
            throw AddressError(
                kind: .empty, input: ctx.input, offending: ctx.input, position: 1,
                description: "no address given: type an address, e.g. taro@example.jp")
        }
        ctx.elementStart = pos
        guard case .mailbox(let m) = try parseAddress(allowGroup: false, inGroup: false) else {
            fatalError("parseAddress(allowGroup: false) returned a group")
        }
        try skipToSeparator(inGroup: false)
        guard let c = current else { return m }
        if c == "," {
            let commaAt = pos
            pos += 1
            try skipCFWS(boundary: true)
            while current == "," {
                pos += 1
                try skipCFWS(boundary: true)
            }
            if atEnd {
                throw ctx.error(
                    .trailingGarbage, at: commaAt, offending: ",",
                    "',' after the address", "only one address is allowed here; remove the ','")
            }
            throw ctx.error(
                .tooManyAddresses, at: pos, offending: restOfElement(from: pos),
                "a second address '\(restOfElement(from: pos))'", "only one address is allowed here")
        }
        throw afterAddressError(inGroup: false)
    }

    /// Where the line is: a fold — CRLF followed by a space or a tab — is folding white space
    /// (RFC 5322 §3.2.2) and stays allowed anywhere CFWS is; every other CR or LF is refused,
    /// before anything is parsed. The text given here is typed text (an argument, a composer
    /// field, a config value, a recipient-file cell) or a header value of a message file, which
    /// `MessageParser` has already unfolded: neither has any business holding a bare CR, a bare
    /// LF, or a CRLF that is not a fold, and taking one for white space would turn
    /// `my\n@example.com` into `my@example.com` — a different address than the one shown, and
    /// a line that ends a header in the reader that meets it.
    func checkLineBreaks() throws(AddressError) {
        guard ctx.input.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return }
        for (i, c) in chars.enumerated() where HeaderText.isLineBreak(c) {
            if c == "\r\n", i + 1 < chars.count, chars[i + 1] == " " || chars[i + 1] == "\t" { continue }
            var context = ctx
            context.elementStart = elementStart(containing: i)
            let hint =
                c == "\r\n"
                ? "an address cannot contain a line break (only a line break followed by a space or tab, a folded header, is white space); remove it"
                : "an address cannot contain a line break; remove it"
            throw context.error(.lineBreak, at: i, offending: String(c), HeaderText.lineBreakName(c), hint)
        }
    }

    /// The start of the list element that holds `index`: after the last ',' before it that is
    /// outside quotes, comments and angle brackets, scanning from `from` (where none is open).
    func elementStart(containing index: Int, scanningFrom from: Int = 0) -> Int {
        var start = from
        while let comma = AddressSyntax.nextSeparator(in: chars, from: start, before: index) { start = comma + 1 }
        return start
    }

    /// The error for whatever follows a complete address where ',' (or ';' in a group) was expected.
    func afterAddressError(inGroup: Bool) -> AddressError {
        let c = chars[pos]
        let previous = ctx.text(ctx.elementStart, pos).trimmingWSP()
        if let e = S.slipError(c, at: pos, ctx: ctx, betweenAddresses: true) { return e }
        if c == ";" && !inGroup {
            return ctx.error(
                .semicolonSeparator, at: pos, offending: ";",
                "';' after '\(previous)'", "separate addresses with ','")
        }
        if c == "@" {
            return ctx.error(
                .multipleAt, at: pos, offending: "@",
                "second '@'", "an address has exactly one '@'; separate addresses with ','")
        }
        let rest = restOfElement(from: pos)
        return ctx.error(
            .trailingGarbage, at: pos, offending: rest,
            "unexpected '\(rest)' after '\(previous)'",
            "separate addresses with ','" + (inGroup ? " and end the group with ';'" : ""))
    }

    /// From `from` up to the next ',' (or the end), trimmed.
    func restOfElement(from: Int) -> String {
        var i = from
        var depth = 0, quoted = false
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\\" { i += 1 } else if c == "\"" { quoted = false }
            } else if c == "\"" {
                quoted = true
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth = max(depth - 1, 0)
            } else if c == "," && depth == 0 {
                break
            }
            i += 1
        }
        return ctx.text(from, i).trimmingWSP()
    }

    // MARK: One address

    mutating func parseAddress(allowGroup: Bool, inGroup: Bool) throws(AddressError) -> AddressListEntry {
        let items = try scanPhrase()
        guard let c = current else {
            return .mailbox(try noAddress(items, stop: nil))
        }
        switch c {
        case "<":
            let name = try displayName(items)
            return .mailbox(try parseAngle(displayName: name))
        case "@":
            return .mailbox(try parseBareAddrSpec(items))
        case ":":
            guard !items.isEmpty else {
                throw ctx.error(
                    .unexpectedCharacter, at: pos, offending: ":",
                    "':' without a group name", "write a group as Name: a@example.jp, b@example.jp;")
            }
            guard allowGroup else {
                let name = phraseText(items)
                if inGroup {
                    throw ctx.error(
                        .groupNotAllowed, at: pos, offending: name,
                        "group '\(name)' inside another group",
                        "groups cannot be nested; if ':' is part of a name, put the name in quotes")
                }
                throw ctx.error(
                    .groupNotAllowed, at: pos, offending: name,
                    "group '\(name)'",
                    "exactly one address is allowed here; if ':' is part of a name, put the name in quotes")
            }
            return try parseGroup(items)
        default:
            return .mailbox(try noAddress(items, stop: c))
        }
    }

    /// The phrase was not followed by '<', '@' or ':'.
    func noAddress(_ items: [Item], stop: Character?) throws(AddressError) -> Mailbox {
        if items.isEmpty, let stop {
            if let e = S.slipError(stop, at: pos, ctx: ctx) { throw e }
            if stop == ";" {
                throw ctx.error(
                    .semicolonSeparator, at: pos, offending: ";",
                    "';' where an address should be", "separate addresses with ','")
            }
            throw ctx.error(
                .unexpectedCharacter, at: pos, offending: String(stop),
                "unexpected \(S.show(stop))", "expected an address like taro@example.jp")
        }
        // Text typed with a full-width '＠' is an address attempt: name its first slip.
        if items.contains(where: { $0.kind != .dot && $0.text.contains("＠") }) {
            try checkSlips(items)
        }
        let text = phraseText(items)
        let start = items.first?.start ?? pos
        if stop == nil || stop == "," || stop == ";" {
            let hint =
                stop == ","
                ? "an address looks like taro@example.jp; if '\(text)' is a name containing ',', put it in quotes"
                : "an address looks like taro@example.jp"
            throw ctx.error(.missingAt, at: start, offending: text, "'\(text)' has no '@'", hint)
        }
        let c = stop!
        if let e = S.slipError(c, at: pos, ctx: ctx) { throw e }
        if c == ">" || c == ")" || c == "]" || c == "[" || c == "\\" {
            throw ctx.error(
                .unexpectedCharacter, at: pos, offending: String(c),
                "unexpected \(S.show(c)) after '\(text)'",
                "if it is part of a name, put the whole name in quotes: \"Name\" <taro@example.jp>")
        }
        throw ctx.error(
            .unexpectedCharacter, at: pos, offending: String(c),
            "unexpected \(S.show(c))", "an address looks like Name <taro@example.jp>")
    }

    mutating func parseGroup(_ nameItems: [Item]) throws(AddressError) -> AddressListEntry {
        let name = try displayName(nameItems) ?? phraseText(nameItems)
        let groupStart = nameItems.first?.start ?? pos
        pos += 1 // ':'
        inGroup = true
        var members: [Mailbox] = []
        func unterminated() -> AddressError {
            ctx.error(
                .unterminatedGroup, at: groupStart, offending: name,
                "group '\(name)' has no closing ';'",
                "end the group with ';' (if ':' is part of a name, put the name in quotes)")
        }
        while true {
            try skipCFWS(boundary: true)
            guard let c = current else { throw unterminated() }
            if c == ";" {
                pos += 1
                break
            }
            if c == "," {
                pos += 1
                continue
            }
            guard case .mailbox(let m) = try parseAddress(allowGroup: false, inGroup: true) else {
                fatalError("parseAddress(allowGroup: false) returned a group")
            }
            members.append(m)
            try skipToSeparator(inGroup: true)
            guard let next = current else { throw unterminated() }
            if next == "," {
                pos += 1
                continue
            }
            if next == ";" {
                pos += 1
                break
            }
            throw afterAddressError(inGroup: true)
        }
        inGroup = false
        return .group(name: name, members: members)
    }

    // MARK: addr-spec

    /// `< addr-spec >`; `pos` is at '<'.
    mutating func parseAngle(displayName: String?) throws(AddressError) -> Mailbox {
        let open = pos
        pos += 1
        try skipCFWS()
        func unterminated() -> AddressError {
            ctx.error(
                .unterminatedAngle, at: open, offending: ctx.text(open, chars.count).trimmingWSP(),
                "'<' is never closed", "end the address with '>'")
        }
        guard let first = current else { throw unterminated() }
        if first == "@" {
            throw ctx.error(
                .unexpectedCharacter, at: pos, offending: "@",
                "source route '<@…:' ", "source routes are not supported; give just <taro@example.jp>")
        }
        if first == ">" {
            throw ctx.error(.empty, at: open, offending: "<>", "empty address '<>'", "type an address between '<' and '>'")
        }
        let items = try scanPhrase()
        guard let c = current else {
            if items.isEmpty { throw unterminated() }
            try checkSlips(items)
            throw unterminated()
        }
        guard c == "@" else {
            if items.isEmpty {
                if let e = S.slipError(c, at: pos, ctx: ctx) { throw e }
                throw ctx.error(
                    .unexpectedCharacter, at: pos, offending: String(c),
                    "unexpected \(S.show(c)) after '<'", "expected an address like <taro@example.jp>")
            }
            try checkSlips(items)
            let text = phraseText(items)
            if c == ">" || c == "," {
                throw ctx.error(
                    .missingAt, at: items[0].start, offending: text,
                    "'\(text)' has no '@'", "an address looks like <taro@example.jp>")
            }
            if let e = S.slipError(c, at: pos, ctx: ctx) { throw e }
            throw ctx.error(
                .unexpectedCharacter, at: pos, offending: String(c),
                "unexpected \(S.show(c)) in '<\(text)'", "an address looks like <taro@example.jp>")
        }
        let at = pos
        pos += 1
        let (domStart, domEnd) = try scanDomainText(at: at)
        let (local, positions) = try localPart(items, at: at, domain: ctx.text(domStart, domEnd))
        let addressStart = items.first?.start ?? at
        let context = ctx
        try S.validateLocalContent(local, positions: positions, emptyPosition: at, address: context.text(addressStart, domEnd), ctx: ctx)
        let (unicode, ascii) = try S.validateDomain(
            Array(chars[domStart..<domEnd]), offset: domStart,
            address: context.text(addressStart, domEnd), ctx: ctx)
        try S.checkAddressLength(
            local: String(local), asciiDomain: ascii, at: addressStart,
            address: context.text(addressStart, domEnd), ctx: ctx)
        try skipCFWS()
        guard let close = current else { throw unterminated() }
        if close != ">" {
            let address = ctx.text(addressStart, domEnd)
            if let e = S.slipError(close, at: pos, ctx: ctx) { throw e }
            if close == "@" {
                throw ctx.error(
                    .multipleAt, at: pos, offending: "@",
                    "second '@' in '<\(address)…'", "an address has exactly one '@'")
            }
            if close == "," { throw unterminated() }
            throw ctx.error(
                .unexpectedCharacter, at: pos, offending: String(close),
                "unexpected \(S.show(close)) after '<\(address)'", "end the address with '>'")
        }
        pos += 1
        return Mailbox(
            validatedDisplayName: displayName, localPart: String(local),
            domain: unicode, asciiDomain: ascii)
    }

    /// A bare `local@domain`; `pos` is at '@', `items` is what came before it.
    mutating func parseBareAddrSpec(_ items: [Item]) throws(AddressError) -> Mailbox {
        let at = pos
        // `taro@home <taro@example.jp>`: an unquoted display name with '@'.
        if let lt = angleAhead(from: at) {
            let name = ctx.text(items.first?.start ?? at, lt).trimmingWSP()
            throw ctx.error(
                .displayNameNeedsQuotes, at: at, offending: name,
                "display name '\(name)' contains '@'",
                "put it in quotes (\"\(name)\" <…>), or separate addresses with ','")
        }
        pos += 1
        let (domStart, domEnd) = try scanDomainText(at: at)
        let addressStart = items.first?.start ?? at
        let context = ctx
        let (local, positions) = try localPart(items, at: at, domain: ctx.text(domStart, domEnd))
        try S.validateLocalContent(local, positions: positions, emptyPosition: at, address: context.text(addressStart, domEnd), ctx: ctx)
        let (unicode, ascii) = try S.validateDomain(
            Array(chars[domStart..<domEnd]), offset: domStart,
            address: context.text(addressStart, domEnd), ctx: ctx)
        try S.checkAddressLength(
            local: String(local), asciiDomain: ascii, at: addressStart,
            address: context.text(addressStart, domEnd), ctx: ctx)
        return Mailbox(validatedDisplayName: nil, localPart: String(local), domain: unicode, asciiDomain: ascii)
    }

    /// The index of a '<' later in the current list element (outside quotes and comments).
    func angleAhead(from: Int) -> Int? {
        var i = from
        var depth = 0, quoted = false
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\\" { i += 1 } else if c == "\"" { quoted = false }
            } else if depth > 0 {
                if c == "\\" { i += 1 } else if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            } else if c == "\"" {
                quoted = true
            } else if c == "(" {
                depth += 1
            } else if c == "," || c == ";" {
                return nil
            } else if c == "<" {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Reports the first keyboard slip inside the phrase items (quoted or not).
    func checkSlips(_ items: [Item]) throws(AddressError) {
        for item in items where item.kind != .dot {
            for i in item.start..<item.end {
                if let e = S.slipError(chars[i], at: i, ctx: ctx) { throw e }
            }
        }
    }

    /// Checks that phrase items form a local part `word *("." word)` without spaces, and
    /// returns its content with the input index of each character.
    func localPart(_ items: [Item], at: Int, domain makeDomain: @autoclosure () -> String) throws(AddressError) -> ([Character], [Int]) {
        var domain: String { makeDomain() }
        if items.isEmpty {
            throw ctx.error(
                .invalidLocalPart, at: at, offending: "@",
                "nothing before '@'", "type the part before '@', e.g. taro@example.jp")
        }
        try checkSlips(items)
        let text = phraseText(items)
        if let first = items.indices.dropFirst().first(where: { items[$0].spaceBefore }) {
            // Suggest `Name <address>`, splitting at the last space.
            let last = items.indices.last(where: { items[$0].spaceBefore })!
            let name = ctx.text(items[0].start, items[last - 1].end)
            let address = ctx.text(items[last].start, items[items.count - 1].end) + "@" + domain
            throw ctx.error(
                .invalidLocalPart, at: items[first].gapStart, offending: text,
                "space in '\(text)' before '@'",
                "an address has no spaces; if '\(name)' is a name, write \(name) <\(address)>")
        }
        if items[0].kind == .dot {
            throw ctx.error(
                .invalidLocalPart, at: items[0].start, offending: text,
                "local part '\(text)' starts with '.'", "remove the '.'")
        }
        if let last = items.last, last.kind == .dot {
            throw ctx.error(
                .invalidLocalPart, at: last.start, offending: text,
                "local part '\(text)' ends with '.'", "remove the '.' before '@'")
        }
        for n in 1..<items.count {
            let (a, b) = (items[n - 1], items[n])
            if a.kind == .dot && b.kind == .dot {
                throw ctx.error(
                    .invalidLocalPart, at: b.start, offending: text,
                    "local part '\(text)' has two dots in a row", "remove one '.'")
            }
            if a.kind != .dot && b.kind != .dot {
                throw ctx.error(
                    .invalidLocalPart, at: b.start, offending: text,
                    "local part '\(text)' mixes quoted and unquoted text", "quote the whole part before '@'")
            }
        }
        var content: [Character] = []
        var positions: [Int] = []
        for item in items {
            content += item.content
            positions += item.positions
        }
        return (content, positions)
    }

    /// Scans the raw domain text after '@' (CFWS allowed before it). Returns its index range.
    mutating func scanDomainText(at: Int) throws(AddressError) -> (Int, Int) {
        try skipCFWS()
        let start = pos
        if current == "[" {
            var end = pos
            while end < chars.count, chars[end] != "]" { end += 1 }
            let literal = ctx.text(start, min(end + 1, chars.count))
            throw ctx.error(
                .invalidDomain, at: start, offending: literal,
                "domain literal '\(literal)'", "address literals are not supported; use the host name")
        }
        while let c = current, c == "." || isDomainChar(c) { pos += 1 }
        if pos == start {
            guard let c = current else {
                throw ctx.error(
                    .invalidDomain, at: at, offending: ctx.text(ctx.elementStart, chars.count).trimmingWSP(),
                    "nothing after '@'", "type the domain, e.g. taro@example.jp")
            }
            if c == "@" {
                throw ctx.error(
                    .multipleAt, at: pos, offending: "@",
                    "second '@'", "an address has exactly one '@'")
            }
            if let e = S.slipError(c, at: pos, ctx: ctx) { throw e }
            throw ctx.error(
                .invalidDomain, at: pos, offending: String(c),
                "\(S.show(c)) where the domain should be", "type the domain after '@', e.g. taro@example.jp")
        }
        if current == "@" {
            throw ctx.error(
                .multipleAt, at: pos, offending: "@",
                "second '@'", "an address has exactly one '@'; separate addresses with ','")
        }
        try checkSpaceAfterDomain(start: start)
        return (start, pos)
    }

    /// Spaces right after the domain text followed by another word: a full-width or other
    /// non-ASCII space is reported at once; an ASCII space is reported as a space inside the
    /// domain when the domain is clearly cut (`ex ample.jp`, `example .jp`, `example. jp`).
    func checkSpaceAfterDomain(start: Int) throws(AddressError) {
        var j = pos
        while j < chars.count, S.isWSP(chars[j]) || S.isBoundarySpace(chars[j]) { j += 1 }
        guard j > pos, j < chars.count, chars[j] == "." || isDomainChar(chars[j]) else { return }
        var k = j
        var hasAt = false
        while k < chars.count, !S.isWSP(chars[k]), !S.isBoundarySpace(chars[k]), !",;<>()\"".contains(chars[k]) {
            if chars[k] == "@" { hasAt = true }
            k += 1
        }
        if let f = (pos..<j).first(where: { S.isBoundarySpace(chars[$0]) }),
            let e = S.slipError(chars[f], at: f, ctx: ctx, betweenAddresses: hasAt)
        {
            throw e
        }
        let domain = chars[start..<pos]
        if !hasAt && (!domain.contains(".") || domain.last == "." || chars[j] == ".") {
            let text = ctx.text(start, k)
            throw ctx.error(
                .invalidDomain, at: pos, offending: text,
                "space in the domain '\(text)'", "a domain has no spaces; delete it")
        }
    }

    /// Characters scanned as domain text: ASCII atext (checked later) and non-ASCII except the
    /// characters that end an address (full-width space and Japanese commas).
    func isDomainChar(_ c: Character) -> Bool {
        if c.isASCII { return S.isASCIIAtext(c) }
        return c != "、" && c != "，" && !S.isWSP(c) && !S.isBoundarySpace(c)
    }

    // MARK: Phrases

    struct Item {
        enum Kind { case atom, quoted, dot }
        var kind: Kind
        /// Atom text, quoted-string content (escapes resolved), or ".".
        var content: [Character]
        /// Input index of each content character.
        var positions: [Int]
        /// Raw range in the input (including quotes).
        var start: Int
        var end: Int
        /// CFWS between this item and the previous one (or before the first).
        var spaceBefore: Bool
        var gapStart: Int

        var text: String { String(content) }
    }

    /// Scans `*(word / "." / CFWS)`. Atoms accept any non-ASCII character (raw UTF-8 display
    /// names, and full-width characters which are judged later by context).
    mutating func scanPhrase() throws(AddressError) -> [Item] {
        var items: [Item] = []
        while true {
            let gapStart = pos
            try skipCFWS()
            let space = pos > gapStart
            guard let c = current else { break }
            if c == "\"" {
                var item = try scanQuoted()
                item.spaceBefore = space
                item.gapStart = gapStart
                items.append(item)
            } else if c == "." {
                items.append(
                    Item(
                        kind: .dot, content: ["."], positions: [pos], start: pos, end: pos + 1,
                        spaceBefore: space, gapStart: gapStart))
                pos += 1
            } else if isPhraseAtomChar(c) {
                let start = pos
                while let d = current, isPhraseAtomChar(d) { pos += 1 }
                items.append(
                    Item(
                        kind: .atom, content: Array(chars[start..<pos]), positions: Array(start..<pos),
                        start: start, end: pos, spaceBefore: space, gapStart: gapStart))
            } else {
                break
            }
        }
        return items
    }

    func isPhraseAtomChar(_ c: Character) -> Bool {
        if c.isASCII { return S.isASCIIAtext(c) }
        return !S.isWSP(c)
    }

    /// A quoted string; `pos` is at the opening quote.
    mutating func scanQuoted() throws(AddressError) -> Item {
        let open = pos
        pos += 1
        var content: [Character] = []
        var positions: [Int] = []
        while true {
            guard let c = current else {
                throw ctx.error(
                    .unterminatedQuote, at: open, offending: ctx.text(open, chars.count),
                    "'\"' is never closed", "add the closing '\"'")
            }
            if c == "\"" {
                pos += 1
                break
            }
            if c == "\\" {
                guard pos + 1 < chars.count else {
                    throw ctx.error(
                        .unterminatedQuote, at: open, offending: ctx.text(open, chars.count),
                        "'\"' is never closed", "add the closing '\"'")
                }
                content.append(chars[pos + 1])
                positions.append(pos + 1)
                pos += 2
                continue
            }
            content.append(c)
            positions.append(pos)
            pos += 1
        }
        return Item(
            kind: .quoted, content: content, positions: positions, start: open, end: pos,
            spaceBefore: false, gapStart: open)
    }

    /// The phrase as words separated by single spaces where CFWS separated them.
    func phraseText(_ items: [Item]) -> String {
        var s = ""
        for (n, item) in items.enumerated() {
            if n > 0 && item.spaceBefore { s += " " }
            s += item.text
        }
        return s
    }

    /// The display name: phrase text with RFC 2047 encoded-words decoded; nil if empty. The raw
    /// text has no line break (`checkLineBreaks`), but an encoded-word can carry one
    /// (`=?UTF-8?Q?a=0D=0AB?=`): such a name is refused, as it would be typed.
    func displayName(_ items: [Item]) throws(AddressError) -> String? {
        let name = S.normalizedDisplayName(EncodedWordDecoder.decode(phraseText(items)))
        if let name, let (_, c) = HeaderText.lineBreak(in: name), let first = items.first, let last = items.last {
            let raw = ctx.text(first.start, last.end)
            throw ctx.error(
                .lineBreak, at: first.start, offending: raw,
                "display name '\(raw)' decodes to '\(HeaderText.escapingLineBreaks(name))', which holds a \(HeaderText.lineBreakName(c))",
                "a name cannot contain a line break; remove it")
        }
        return name
    }

    // MARK: CFWS

    /// After an address: skips CFWS, and also full-width/non-breaking/invisible spaces when only
    /// CFWS, such spaces and then ',' (or ';' in a group, or the end) follow. Spaces used *instead*
    /// of ',' stay put so the caller reports them.
    mutating func skipToSeparator(inGroup: Bool) throws(AddressError) {
        try skipCFWS()
        guard let c = current, S.isBoundarySpace(c) else { return }
        let save = pos
        try skipCFWS(boundary: true)
        if let next = current, next != ",", !(inGroup && next == ";") { pos = save }
    }

    /// Skips whitespace and (nested) comments; with `boundary`, also full-width, non-breaking and
    /// invisible spaces (at the start of a list element they are harmless).
    mutating func skipCFWS(boundary: Bool = false) throws(AddressError) {
        while let c = current {
            if S.isWSP(c) || (boundary && S.isBoundarySpace(c)) {
                pos += 1
            } else if c == "(" {
                let open = pos
                var depth = 0
                repeat {
                    guard let d = current else {
                        throw ctx.error(
                            .unterminatedComment, at: open, offending: ctx.text(open, chars.count),
                            "comment '(' is never closed", "add the closing ')'")
                    }
                    if d == "\\" {
                        pos += 2
                        continue
                    }
                    if d == "(" { depth += 1 } else if d == ")" { depth -= 1 }
                    pos += 1
                } while depth > 0
                pos = min(pos, chars.count)
            } else {
                return
            }
        }
    }
}

extension String {
    fileprivate func trimmingWSP() -> String {
        var s = Substring(self)
        while let f = s.first, AddressSyntax.isWSP(f) { s.removeFirst() }
        while let l = s.last, AddressSyntax.isWSP(l) { s.removeLast() }
        return String(s)
    }
}
