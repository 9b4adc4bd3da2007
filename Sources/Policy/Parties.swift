// Parties.swift — who a document names: companies (株式会社…, Inc., Ltd.), people and
// organisations it is addressed to (様, 殿, 御中), and email addresses. Pure; the rule
// `attachment-other-party` compares them with the recipients.

/// A party a text names.
public struct Party: Hashable, Sendable {
    public enum Kind: String, Sendable {
        /// A name with a company form: 株式会社青空商事, 田中建設(株), Aozora Trading Co., Ltd.
        case company
        /// A name followed by 様 or 殿.
        case person
        /// A name followed by 御中 (a company or a department without a company form).
        case organisation
        /// An email address (its domain is `domain`).
        case email
    }

    /// As written (for an email, the address).
    public var name: String
    public var kind: Kind
    /// 1-based line of the text it was found on.
    public var line: Int

    public init(_ name: String, _ kind: Kind, line: Int) {
        self.name = name
        self.kind = kind
        self.line = line
    }

    /// The domain of an email address, lowercased; nil for other kinds.
    public var domain: String? {
        guard kind == .email, let at = name.lastIndex(of: "@") else { return nil }
        return String(name[name.index(after: at)...]).lowercased()
    }

    /// The name without its company form, spaces and punctuation, full-width letters and digits
    /// made ASCII, lowercased: what two spellings of one company share.
    public var core: String { PartyExtractor.core(name) }
}

public enum PartyExtractor {
    /// The parties named in `text`, each once (the first line it is on), in order of first mention;
    /// at most `limit`.
    public static func parties(in text: String, limit: Int = 200) -> [Party] {
        var found: [Party] = []
        var seen = Set<String>()
        var lineNumber = 0
        for rawLine in lines(of: text) {
            lineNumber += 1
            for party in parties(inLine: rawLine, line: lineNumber) {
                let key = party.kind == .email ? party.name.lowercased() : party.kind.rawValue + ":" + party.core
                guard !party.core.isEmpty, seen.insert(key).inserted else { continue }
                found.append(party)
                if found.count >= limit { return found }
            }
        }
        return found
    }

    /// Lines split at LF, CR or CRLF (by scalars: "\r\n" is one Character to Swift).
    static func lines(of text: String) -> [Substring] {
        var out: [Substring] = []
        var start = text.unicodeScalars.startIndex
        var index = start
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                out.append(Substring(scalars[start..<index]))
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
                continue
            }
            index = scalars.index(after: index)
        }
        if start < scalars.endIndex { out.append(Substring(scalars[start...])) }
        return out
    }

    static func parties(inLine line: Substring, line number: Int) -> [Party] {
        let chars = Array(line.unicodeScalars)
        var out: [Party] = []
        out += japaneseCompanies(chars, line: number)
        out += englishCompanies(chars, line: number)
        out += addressees(chars, line: number, companies: out)
        out += emails(chars, line: number)
        return out
    }

    // MARK: - Japanese company forms

    static let japaneseForms: [[Unicode.Scalar]] = [
        "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "（株）", "(有)", "（有）", "(同)", "（同）", "㈱", "㈲"
    ].map { Array($0.unicodeScalars) }

    /// Words that stand where a name would but are not one: 弊社株式会社… never names a company.
    static let notNames: Set<String> = [
        "弊社", "貴社", "御社", "当社", "同社", "各社", "本社", "子会社", "親会社", "関連会社", "上記", "下記", "前記", "新", "旧", "同", "各", "全", "某"
    ]

    /// What may follow a company name and is not part of it: a department, an honorific.
    static let afterName: [String] = [
        "御中", "様", "殿", "宛", "各位", "代表取締役", "取締役", "社長", "部長", "課長", "担当", "営業部", "総務部", "経理部", "工事部", "事業部"
    ]

    /// The first scalar of every Japanese form, to skip lines that hold none.
    static let formStarts: Set<Unicode.Scalar> = Set(japaneseForms.compactMap(\.first))

    static func japaneseCompanies(_ chars: [Unicode.Scalar], line: Int) -> [Party] {
        guard chars.contains(where: { formStarts.contains($0) }) else { return [] }
        var out: [Party] = []
        var i = 0
        while i < chars.count {
            guard let form = japaneseForms.first(where: { matches(chars, at: i, $0) }) else {
                i += 1
                continue
            }
            let formEnd = i + form.count
            var before = nameBefore(chars, end: i)
            var after = nameAfter(chars, start: formEnd)
            if notNames.contains(String(String.UnicodeScalarView(before))) { before = [] }
            let afterText = String(String.UnicodeScalarView(after))
            if notNames.contains(afterText) || afterName.contains(where: { afterText.hasPrefix($0) }) { after = [] }
            if let first = after.first, isHiragana(first), "のはがをにとへでもやか".unicodeScalars.contains(first) { after = [] }
            if !after.isEmpty && after.allSatisfy(isHiragana) { after = [] }
            if !before.isEmpty && before.allSatisfy(isHiragana) { before = [] }
            // Both sides: the one written against the form wins (第1頁 株式会社青空商事 names 青空商事).
            if !before.isEmpty, !after.isEmpty {
                let spacedBefore = i > 0 && isSpace(chars[i - 1])
                let spacedAfter = formEnd < chars.count && isSpace(chars[formEnd])
                if spacedBefore && !spacedAfter { before = [] }
            }
            let formText = String(String.UnicodeScalarView(form))
            if !before.isEmpty {
                out.append(Party(String(String.UnicodeScalarView(before)) + formText, .company, line: line))
            } else if !after.isEmpty {
                out.append(Party(formText + String(String.UnicodeScalarView(after)), .company, line: line))
            }
            i = formEnd
        }
        return out
    }

    /// The name right before `end` (one space between it and the form allowed): kanji, katakana,
    /// letters and digits; hiragana only inside a name that has other characters after it.
    static func nameBefore(_ chars: [Unicode.Scalar], end: Int) -> [Unicode.Scalar] {
        var end = end
        if end > 0, isSpace(chars[end - 1]) { end -= 1 }
        return nameBefore(chars, trimmedEnd: end)
    }

    static func nameBefore(_ chars: [Unicode.Scalar], trimmedEnd end: Int) -> [Unicode.Scalar] {
        var start = end
        while start > 0, isNameCharacter(chars[start - 1]), end - start < 30 { start -= 1 }
        // Hiragana belongs to the sentence (弊社は株式会社…), not the name: the name starts
        // after the last of it.
        if let last = chars[start..<end].lastIndex(where: isHiragana) { start = last + 1 }
        return Array(chars[start..<end])
    }

    /// The name right after `start` (one space allowed), cut where a particle follows the name
    /// (青空商事です → 青空商事).
    static func nameAfter(_ chars: [Unicode.Scalar], start: Int) -> [Unicode.Scalar] {
        var start = start
        if start < chars.count, isSpace(chars[start]) { start += 1 }
        var end = start
        while end < chars.count, isNameCharacter(chars[end]), end - start < 30 {
            if isHiragana(chars[end]), end > start, !isHiragana(chars[end - 1]) { break }
            end += 1
        }
        return Array(chars[start..<end])
    }

    // MARK: - English company forms

    static let englishForms: Set<String> = [
        "inc", "inc.", "ltd", "ltd.", "co.", "co.,", "corp", "corp.", "corporation", "llc", "llc.", "k.k.", "gmbh", "plc", "limited"
    ]

    static func englishCompanies(_ chars: [Unicode.Scalar], line: Int) -> [Party] {
        // Every English form has a letter c, d, h, k, l or p (Inc., Ltd., Co., Corp., LLC, K.K., GmbH, plc).
        guard chars.contains(where: { "cdhklpCDHKLP".unicodeScalars.contains($0) }) else { return [] }
        // Words with their positions; a comma after a word stays part of it ("Co.,").
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in chars {
            if scalar == " " || scalar == "\t" || scalar == "\u{3000}" || !scalar.isASCII {
                if !current.isEmpty { words.append(String(current)) }
                current = String.UnicodeScalarView()
                if !scalar.isASCII && !(scalar == "\u{3000}") { words.append("") } // a break in the name
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        var out: [Party] = []
        var i = 0
        while i < words.count {
            let lowered = words[i].lowercased()
            let stripped = lowered.hasSuffix(",") ? String(lowered.dropLast()) : lowered
            guard englishForms.contains(lowered) || englishForms.contains(stripped) else {
                i += 1
                continue
            }
            // The form may be several words: Co., Ltd.
            var end = i + 1
            while end < words.count, englishForms.contains(words[end].lowercased()) { end += 1 }
            var start = i
            while start > 0, start > i - 6, let first = words[start - 1].unicodeScalars.first,
                first.properties.isUppercase || first == "&" || (first.properties.numericType != nil)
            {
                start -= 1
            }
            if start < i {
                var name = words[start..<end].joined(separator: " ")
                if name.hasSuffix(",") { name.removeLast() }
                out.append(Party(name, .company, line: line))
            }
            i = end
        }
        return out
    }

    // MARK: - 様 / 殿 / 御中

    static let notAddressees: Set<String> = ["客", "お客", "皆", "担当者", "ご担当者", "御担当者", "担当", "ご担当", "各位", "関係者", "皆々"]

    static func addressees(_ chars: [Unicode.Scalar], line: Int, companies: [Party]) -> [Party] {
        guard chars.contains(where: { $0 == "御" || $0 == "様" || $0 == "殿" }) else { return [] }
        var out: [Party] = []
        for (marker, kind) in [("御中", Party.Kind.organisation), ("様", .person), ("殿", .person)] {
            let m = Array(marker.unicodeScalars)
            var i = 0
            while i < chars.count {
                guard matches(chars, at: i, m) else {
                    i += 1
                    continue
                }
                var end = i
                if end > 0, isSpace(chars[end - 1]) { end -= 1 }
                var start = end
                while start > 0, isNameCharacter(chars[start - 1]) || isFormCharacter(chars[start - 1]), end - start < 30 { start -= 1 }
                // One space inside a person's name (佐藤 一郎 様) when the part before the
                // marker is short.
                if kind == .person, end - start <= 3, start > 1, isSpace(chars[start - 1]), isNameCharacter(chars[start - 2]) {
                    var s = start - 1
                    while s > 0, isNameCharacter(chars[s - 1]) { s -= 1 }
                    // Only a surname of up to three characters (青空商事 鈴木様 is a company and a person).
                    if start - 1 - s <= 3 { start = s }
                }
                while start < end, isHiragana(chars[start]) { start += 1 }
                let name = String(String.UnicodeScalarView(chars[start..<end]))
                i += m.count
                guard !name.isEmpty, !notAddressees.contains(name) else { continue }
                // A company already found on this line (田中建設株式会社 御中) is not named twice.
                if companies.contains(where: { name.hasSuffix($0.name) || $0.name.hasSuffix(name) }) { continue }
                // "工事部 佐藤一郎 様": a name with a space keeps the last words as the name.
                out.append(Party(name, kind, line: line))
            }
        }
        return out
    }

    // MARK: - Email addresses

    static func emails(_ chars: [Unicode.Scalar], line: Int) -> [Party] {
        guard chars.contains("@") else { return [] }
        var out: [Party] = []
        for (at, scalar) in chars.enumerated() where scalar == "@" {
            var start = at
            while start > 0, isLocalCharacter(chars[start - 1]) { start -= 1 }
            var end = at + 1
            while end < chars.count, isDomainCharacter(chars[end]) { end += 1 }
            while end > at + 1, chars[end - 1] == "." || chars[end - 1] == "-" { end -= 1 }
            while start < at, chars[start] == "." { start += 1 }
            guard start < at, end > at + 1 else { continue }
            let domain = String(String.UnicodeScalarView(chars[(at + 1)..<end]))
            guard domain.contains("."), !domain.hasPrefix(".") else { continue }
            out.append(Party(String(String.UnicodeScalarView(chars[start..<end])), .email, line: line))
        }
        return out
    }

    // MARK: - Comparing

    /// See `Party.core`.
    public static func core(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            var s = scalar
            if (0xFF01...0xFF5E).contains(s.value), let ascii = Unicode.Scalar(s.value - 0xFEE0) { s = ascii }
            text.unicodeScalars.append(s)
        }
        text = text.lowercased()
        for form in Self.coreForms where text.contains(form) {
            text = text.replacing(form, with: "")
        }
        for suffix in [" inc", " ltd", " co.", " co", " corp"] where text.hasSuffix(suffix) {
            text.removeLast(suffix.count)
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isSpace(scalar) && !",.・･&'\"()（）「」".unicodeScalars.contains(scalar) {
            out.append(scalar)
        }
        return String(out)
    }

    static let coreForms = [
        "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)", "(同)", "㈱", "㈲", "co., ltd.", "co.,ltd.", "co., ltd", "inc.", "ltd.",
        "corp.", "corporation", "limited", "llc", "k.k.", "gmbh", "plc"
    ]

    /// Whether two names are the same party: equal cores, or one core inside the other when
    /// both have at least two characters (青空商事 and 青空商事東京支店).
    public static func sameParty(_ a: String, _ b: String) -> Bool {
        let x = core(a)
        let y = core(b)
        guard !x.isEmpty, !y.isEmpty else { return false }
        if x == y { return true }
        guard x.unicodeScalars.count >= 2, y.unicodeScalars.count >= 2 else { return false }
        return x.contains(y) || y.contains(x)
    }

    // MARK: - Characters

    static func matches(_ chars: [Unicode.Scalar], at index: Int, _ pattern: [Unicode.Scalar]) -> Bool {
        index + pattern.count <= chars.count && chars[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\u{3000}" }

    static func isHiragana(_ s: Unicode.Scalar) -> Bool { (0x3041...0x309F).contains(s.value) }

    static func isNameCharacter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0xF900...0xFAFF).contains(v) // kanji
            || (0x30A0...0x30FF).contains(v) || (0x31F0...0x31FF).contains(v) // katakana, ー, ・
            || (0xFF66...0xFF9F).contains(v) // half-width katakana
            || (0x3041...0x309F).contains(v) // hiragana (callers trim it)
            || (0xFF10...0xFF19).contains(v) || (0xFF21...0xFF3A).contains(v) || (0xFF41...0xFF5A).contains(v) // full-width letters, digits
            || (s.isASCII && (s.properties.isAlphabetic || (0x30...0x39).contains(v))) || v == 0x3005 // 々
            || v == 0xFF06 || v == 0x26 // ＆ &
    }

    /// Characters of company forms, so that 御中 after 田中建設(株) reaches back over them.
    static func isFormCharacter(_ s: Unicode.Scalar) -> Bool {
        "()（）㈱㈲".unicodeScalars.contains(s)
    }

    static func isLocalCharacter(_ s: Unicode.Scalar) -> Bool {
        s.isASCII && (s.properties.isAlphabetic || (0x30...0x39).contains(s.value) || ".!#$%&'*+/=?^_`{|}~-".unicodeScalars.contains(s))
    }

    static func isDomainCharacter(_ s: Unicode.Scalar) -> Bool {
        (s.isASCII && (s.properties.isAlphabetic || (0x30...0x39).contains(s.value) || s == "." || s == "-"))
    }
}
