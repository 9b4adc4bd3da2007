/// The slips people make when they type or paste an address, and the corrected text for each.
///
/// The composer offers the correction on the error line of an address field (`F fix`) and
/// applies it only on that key: nothing here changes what the user typed by itself. A
/// correction is offered only when the corrected text parses as exactly one address, so an
/// offer never leads to a second error.
public enum AddressSlips {
    /// One kind of slip, as the offer names it.
    public enum Slip: String, Sendable, Equatable, CaseIterable {
        case fullWidth = "full-width characters"
        case ideographicStop = "an ideographic full stop"
        case honorific = "a trailing 様"
        case space = "a space inside the address"
        case mailto = "a mailto: prefix"
        case doubledBrackets = "doubled angle brackets"
    }

    /// A correction: the entry as it should read, and the slips it fixes (in table order).
    public struct Fix: Sendable, Equatable {
        public let corrected: String
        public let slips: [Slip]
        /// "full-width characters and a trailing 様".
        public var description: String {
            let names = slips.map(\.rawValue)
            guard names.count > 1 else { return names.first ?? "" }
            return names.dropLast().joined(separator: ", ") + " and " + names.last!
        }
    }

    /// The corrected text of one list entry (one address, with or without a display name), or
    /// nil when no slip of the table is in it or the corrected text still does not parse as
    /// exactly one address.
    public static func fix(_ entry: String) -> Fix? {
        // Thousands of plain entries (a pasted list) are told apart on their bytes first.
        holdsNoSlip(entry) ? nil : fixBySteps(entry)
    }

    /// `fix` without the shortcut for plain entries (the tests compare the two).
    static func fixBySteps(_ entry: String) -> Fix? {
        var slips: [Slip] = []
        func note(_ slip: Slip) { if !slips.contains(slip) { slips.append(slip) } }

        var text = trim(
            String(
                entry.unicodeScalars.map { scalar -> Character in
                    // Full-width angle brackets are folded here so that the name/address split sees them.
                    switch scalar.value {
                    case 0xFF1C:
                        note(.fullWidth)
                        return "<"
                    case 0xFF1E:
                        note(.fullWidth)
                        return ">"
                    default: return Character(scalar)
                    }
                }))
        while text.contains("<<") || text.contains(">>") {
            note(.doubledBrackets)
            text = text.replacingEvery("<<", with: "<").replacingEvery(">>", with: ">")
        }

        var name = ""
        var address: String
        var bracketed = false
        if let open = text.firstIndex(of: "<") {
            bracketed = true
            name = trim(String(text[..<open]))
            let inner = text[text.index(after: open)...]
            if let close = inner.lastIndex(of: ">") {
                address = String(inner[..<close])
                let after = trim(String(inner[inner.index(after: close)...]))
                if isHonorific(after) {
                    note(.honorific)
                } else if !after.isEmpty {
                    return nil
                }
            } else {
                address = String(inner)
            }
        } else {
            address = text
        }

        address = fold(address, note)
        address = trim(address)
        if address.lowercased().hasPrefix("mailto:") {
            note(.mailto)
            address = trim(String(address.dropFirst("mailto:".count)))
            if let query = address.firstIndex(of: "?") { address = String(address[..<query]) }
        }
        while let last = address.last, isHonorificCharacter(last) {
            note(.honorific)
            address = trim(String(address.dropLast()))
        }
        if bracketed {
            if address.contains(where: \.isWhitespace) {
                note(.space)
                address = String(address.filter { !$0.isWhitespace })
            }
        } else if address.contains(where: \.isWhitespace) {
            // "tanaka @example. jp": the blanks next to '@' and '.' are inside the address.
            let tightened = tighten(address)
            if !tightened.contains(where: \.isWhitespace) {
                note(.space)
                address = tightened
            } else if let split = address.lastIndex(where: \.isWhitespace) {
                // "田中 一郎 tanaka@example.jp": the last word is the address, the rest its name.
                let head = trim(String(address[..<split])), tail = String(address[address.index(after: split)...])
                guard tail.contains("@"), !head.contains("@") else { return nil }
                note(.space)
                name = head
                address = tail
            }
        }

        guard !slips.isEmpty else { return nil }
        for candidate in candidates(name: name, address: address) where candidate != trim(entry) {
            let parse = AddressParser.parseListRecovering(candidate)
            if parse.failures.isEmpty, parse.entries.count == 1, parse.mailboxes.count == 1 {
                return Fix(corrected: candidate, slips: Slip.allCases.filter(slips.contains))
            }
        }
        return nil
    }

    /// True when `entry` certainly holds none of the slips, seen on its UTF-8 bytes: it is an
    /// address of printable ASCII other than ':' alone, or one `<address>` of such characters
    /// after a name and before nothing but spaces and tabs, with no '<' or '>' besides, no '<<'
    /// or '>>', no full-width angle bracket and an ASCII byte (or nothing) before the '<'. Then
    /// `fix` finds the same '<' and '>' (characters of their own: ASCII on both sides), an
    /// address with nothing to fold, no blank, no `mailto:` and no trailing 様, and nothing after
    /// it: no slip. False sends the entry through `fix`'s own steps.
    static func holdsNoSlip(_ entry: String) -> Bool {
        func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F && b != UInt8(ascii: ":") && b != UInt8(ascii: "<") && b != UInt8(ascii: ">") }
        func check(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let open = s.firstIndex(of: UInt8(ascii: "<")) else {
                // No bracket: every byte plain (no blank, nothing to fold, no '>').
                return !s.isEmpty && s.allSatisfy(plain)
            }
            guard open == 0 || s[open - 1] < 0x80, let close = s[(open + 1)...].firstIndex(where: { !plain($0) }),
                s[close] == UInt8(ascii: ">"), close > open + 1
            else { return false }
            // After the '>': spaces and tabs only.
            guard s[(close + 1)...].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return false }
            // The name: no other bracket, no full-width '＜' or '＞' (EF BC 9C, EF BC 9E).
            var i = 0
            while i < open {
                let b = s[i]
                if b == UInt8(ascii: "<") || b == UInt8(ascii: ">") { return false }
                if b == 0xEF, i + 2 < open, s[i + 1] == 0xBC, s[i + 2] == 0x9C || s[i + 2] == 0x9E { return false }
                i += 1
            }
            return true
        }
        var entry = entry
        entry.makeContiguousUTF8()
        return entry.utf8.withContiguousStorageIfAvailable(check) ?? false
    }

    /// The entry written back: the address alone, or `Name <address>`, with the name quoted
    /// when it holds characters a plain name may not.
    static func candidates(name: String, address: String) -> [String] {
        guard !name.isEmpty else { return [address] }
        let plain = "\(name) <\(address)>"
        // A name as the user quoted it stays; a name with a special (`J. Smith`: RFC 5322
        // allows the '.' only as obsolete syntax) is quoted.
        if name.hasPrefix("\""), name.hasSuffix("\""), name.count > 1 { return [plain] }
        let escaped = name.replacingEvery("\\", with: "\\\\").replacingEvery("\"", with: "\\\"")
        let quoted = "\"\(escaped)\" <\(address)>"
        return name.contains(where: specials.contains) ? [quoted] : [plain, quoted]
    }

    static let specials: Set<Character> = ["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", ".", "\""]

    /// Full-width ASCII (U+FF01–U+FF5E) to ASCII, the ideographic space to a space, and the
    /// ideographic and half-width ideographic full stops to '.'.
    static func fold(_ text: String, _ note: (Slip) -> Void) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E:
                note(.fullWidth)
                out.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000:
                note(.fullWidth)
                out.append(" ")
            case 0x3002, 0xFF61:
                note(.ideographicStop)
                out.append(".")
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Removes the blanks on either side of every '@' and '.'.
    static func tighten(_ text: String) -> String {
        var out: [Character] = []
        for char in text {
            if char == "@" || char == "." {
                while let last = out.last, last.isWhitespace { out.removeLast() }
                out.append(char)
            } else if char.isWhitespace, let last = out.last, last == "@" || last == "." {
                continue
            } else {
                out.append(char)
            }
        }
        return String(out)
    }

    static func isHonorificCharacter(_ char: Character) -> Bool { char == "様" || char == "殿" }
    static func isHonorific(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy(isHonorificCharacter) }

    static func trim(_ text: String) -> String {
        var s = Substring(text)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// Every occurrence of `target` replaced, left to right (no Foundation).
    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
