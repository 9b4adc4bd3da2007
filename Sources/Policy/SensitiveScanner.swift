// SensitiveScanner.swift — finds My Numbers, card numbers, email addresses and phone numbers in
// text, by line, without keeping more than it must. Used by `sensitive-data`.

/// What the scanner found in one text: each value (normalised digits or lowercased address)
/// with the 1-based line where it was first seen.
///
/// Works on Unicode scalars, not grapheme clusters: digits, '@' and separators are single
/// scalars, and a 2 MiB attachment is scanned without grapheme breaking.
struct SensitiveScan {
    var myNumbers: [(value: String, line: Int)] = []
    var cards: [(value: String, line: Int)] = []
    var emails: [(value: String, line: Int)] = []
    var phones: [(value: String, line: Int)] = []

    /// Lines are split on LF, CRLF and CR. Only lines that hold a digit or '@' (ASCII or
    /// full-width: after folding, the only lines anything is found in) are folded and searched;
    /// they are told apart on the UTF-8 bytes, and the others only counted.
    init(_ text: String) {
        var text = text
        text.makeContiguousUTF8()
        var line: [Unicode.Scalar] = []
        line.reserveCapacity(256)
        var number = 1
        func search(_ bytes: UnsafeBufferPointer<UInt8>) {
            line.removeAll(keepingCapacity: true)
            for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars { line.append(SensitiveScanner.fold(scalar)) }
            for v in SensitiveScanner.numbers(in: line) {
                switch v {
                case .myNumber(let d): myNumbers.append((d, number))
                case .card(let d): cards.append((d, number))
                }
            }
            for p in SensitiveScanner.phones(in: line) { phones.append((p, number)) }
            for e in SensitiveScanner.emails(in: line) { emails.append((e, number)) }
        }
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            var interesting = false
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b == 0x0A || b == 0x0D {
                    if interesting { search(UnsafeBufferPointer(rebasing: bytes[start..<i])) }
                    interesting = false
                    number += 1
                    i += b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A ? 2 : 1
                    start = i
                    continue
                }
                // '0'–'9', '@'; '０'–'９' (EF BC 90–99) and '＠' (EF BC A0). Other sequences are
                // stepped over whole (valid UTF-8: their continuation bytes are none of these).
                if b < 0x80 {
                    if (b >= 0x30 && b <= 0x39) || b == 0x40 { interesting = true }
                    i += 1
                } else if b == 0xEF {
                    if i + 2 < n && bytes[i + 1] == 0xBC && ((bytes[i + 2] >= 0x90 && bytes[i + 2] <= 0x99) || bytes[i + 2] == 0xA0) {
                        interesting = true
                    }
                    i += 1
                } else if b >= 0xE0 && b < 0xF0 {
                    i += 3
                } else if b >= 0xC0 && b < 0xE0 {
                    i += 2
                } else if b >= 0xF0 {
                    i += 4
                } else {
                    i += 1
                }
            }
            if interesting { search(UnsafeBufferPointer(rebasing: bytes[start..<n])) }
        }
    }
}

enum SensitiveScanner {
    // MARK: Folding

    /// Full-width ASCII to ASCII, dashes and the long-vowel mark to '-', every space to ' '.
    static func fold(_ s: Unicode.Scalar) -> Unicode.Scalar {
        switch s.value {
        case 0x20, 0x21...0x7E: return s
        case 0x2010...0x2015, 0x2212, 0x30FC, 0xFF70: return "-"
        case 0xFF01...0xFF5E: return Unicode.Scalar(s.value - 0xFEE0) ?? s
        case 0x09, 0xA0, 0x3000, 0x1680, 0x2000...0x200A, 0x202F, 0x205F: return " "
        default: return s
        }
    }

    /// A line folded scalar by scalar (for tests and callers holding a line).
    static func fold(_ line: Substring) -> [Unicode.Scalar] {
        line.unicodeScalars.map(fold)
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { (0x30...0x39).contains(s.value) }
    static func isASCIIAlnum(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }
    static func isASCIILetter(_ s: Unicode.Scalar) -> Bool {
        (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value)
    }

    // MARK: Check digits

    /// The My Number (個人番号) check digit of the first 11 digits: with Qn the n-th digit from the
    /// right and Pn = n+1 (n ≤ 6) or n−5 (n ≥ 7), r = ΣPn×Qn mod 11; the check digit is 0 when
    /// r ≤ 1, else 11 − r.
    static func myNumberCheckDigit(_ first11: [Int]) -> Int {
        precondition(first11.count == 11, "a My Number check digit needs 11 digits")
        var sum = 0
        for n in 1...11 {
            let q = first11[11 - n]
            let p = n <= 6 ? n + 1 : n - 5
            sum += p * q
        }
        let r = sum % 11
        return r <= 1 ? 0 : 11 - r
    }

    static func isValidMyNumber(_ digits: [Int]) -> Bool {
        digits.count == 12 && myNumberCheckDigit(Array(digits.prefix(11))) == digits[11]
    }

    static func luhnValid(_ digits: [Int]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 1 {
                let doubled = d * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += d
            }
        }
        return sum % 10 == 0
    }

    /// yyyyMMddHHmm with plausible values: a timestamp, not a My Number.
    static func looksLikeTimestamp(_ d: [Int]) -> Bool {
        guard d.count == 12 else { return false }
        func n(_ from: Int, _ count: Int) -> Int { d[from..<from + count].reduce(0) { $0 * 10 + $1 } }
        return (1900...2099).contains(n(0, 4)) && (1...12).contains(n(4, 2)) && (1...31).contains(n(6, 2))
            && (0...23).contains(n(8, 2)) && (0...59).contains(n(10, 2))
    }

    // MARK: Digit chains

    /// Runs of digit groups joined by single separators, each group's digits.
    static func chains(
        in line: [Unicode.Scalar], separators: Set<Unicode.Scalar>, maxSeparatorRun: Int,
        allowPlus: Bool
    ) -> [(groups: [[Int]], plus: Bool)] {
        var out: [(groups: [[Int]], plus: Bool)] = []
        var i = 0
        while i < line.count {
            guard isDigit(line[i]) else {
                i += 1
                continue
            }
            // The chain must not continue a word or a decimal number: "INV123…", "3.14159…".
            // A comma is a field separator (CSV), never a decimal point here: "山田,314159265352,03".
            let prev: Unicode.Scalar? = i > 0 ? line[i - 1] : nil
            if let p = prev, isASCIIAlnum(p) || (p == "." && i > 1 && isDigit(line[i - 2])) {
                while i < line.count && (isASCIIAlnum(line[i])) { i += 1 }
                continue
            }
            let plus = prev == "+"
            if plus && !allowPlus {
                while i < line.count && (isDigit(line[i]) || separators.contains(line[i])) { i += 1 }
                continue
            }
            var groups: [[Int]] = []
            var current: [Int] = []
            var j = i
            var valid = true
            while j < line.count {
                let c = line[j]
                if isDigit(c) {
                    current.append(Int(c.value - 0x30))
                    j += 1
                    continue
                }
                // A separator run followed by a digit continues the chain.
                var k = j
                while k < line.count && separators.contains(line[k]) && k - j < maxSeparatorRun { k += 1 }
                if k > j && k < line.count && isDigit(line[k]) {
                    groups.append(current)
                    current = []
                    j = k
                    continue
                }
                // Ends here; a letter or a decimal point right after the digits spoils it.
                if isASCIIAlnum(c) || (c == "." && j + 1 < line.count && isDigit(line[j + 1])) {
                    valid = false
                }
                break
            }
            groups.append(current)
            if valid { out.append((groups, plus)) }
            i = j
            while i < line.count && isASCIIAlnum(line[i]) { i += 1 }
        }
        return out
    }

    enum Number: Equatable {
        case myNumber(String)
        case card(String)
    }

    static func allSame(_ d: [Int]) -> Bool { d.allSatisfy { $0 == d[0] } }

    static func isMyNumber(_ groups: ArraySlice<[Int]>) -> [Int]? {
        let shape = groups.map(\.count)
        guard shape == [12] || shape == [4, 4, 4] else { return nil }
        let d = groups.flatMap { $0 }
        guard !allSame(d), !looksLikeTimestamp(d), isValidMyNumber(d) else { return nil }
        return d
    }

    /// 13–19 digits, written as one group or as groups of 4 then 3–6 digits.
    static func hasCardShape(_ groups: ArraySlice<[Int]>) -> Bool {
        let count = groups.reduce(0) { $0 + $1.count }
        guard (13...19).contains(count) else { return false }
        guard groups.count > 1 else { return true }
        guard let first = groups.first, first.count == 4 else { return false }
        return groups.dropFirst().allSatisfy { (3...6).contains($0.count) }
    }

    static func isCard(_ groups: ArraySlice<[Int]>) -> [Int]? {
        guard hasCardShape(groups) else { return nil }
        let d = groups.flatMap { $0 }
        guard (3...6).contains(d[0]), !allSame(d), luhnValid(d) else { return nil }
        return d
    }

    /// My Numbers and card numbers in one folded line. Each chain of digit groups is read left
    /// to right, taking the longest card or My Number that starts at each group. A rest of the
    /// chain written like one card number is read as one number, valid or not: the first 12
    /// digits of "4111 1111 1111 1112" are not a My Number.
    static func numbers(in line: [Unicode.Scalar]) -> [Number] {
        var out: [Number] = []
        for chain in chains(in: line, separators: [" ", "-"], maxSeparatorRun: 1, allowPlus: false) {
            let groups = chain.groups
            var s = 0
            while s < groups.count {
                if hasCardShape(groups[s...]) {
                    if let d = isCard(groups[s...]) { out.append(.card(digits(d))) }
                    break
                }
                var matched: (Number, Int)? = nil
                for e in stride(from: groups.count, to: s, by: -1) {
                    let window = groups[s..<e]
                    if let d = isCard(window) {
                        matched = (.card(digits(d)), e)
                        break
                    }
                    if let d = isMyNumber(window) {
                        matched = (.myNumber(digits(d)), e)
                        break
                    }
                }
                if let (number, end) = matched {
                    out.append(number)
                    s = end
                } else {
                    s += 1
                }
            }
        }
        return out
    }

    static func digits(_ d: [Int]) -> String { String(decoding: d.map { UInt8(48 + $0) }, as: UTF8.self) }

    // MARK: Phone numbers

    /// Japanese phone numbers: 0X-XXXX-XXXX, 0XX-XXX-XXXX, 0X0-XXXX-XXXX, 0120-XXX-XXX,
    /// (03) 1234-5678, +81 3-1234-5678, +81 90 1234 5678, or the digits alone. Returned as the
    /// national number's digits.
    static func phones(in line: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        for chain in chains(in: line, separators: [" ", "-", "(", ")"], maxSeparatorRun: 2, allowPlus: true) {
            var groups = chain.groups
            if chain.plus {
                // +81 then the national number without its leading 0.
                guard let first = groups.first, first.starts(with: [8, 1]) else { continue }
                let rest = Array(first.dropFirst(2))
                if rest.isEmpty { groups.removeFirst() } else { groups[0] = rest }
                guard let lead = groups.first, lead.first != 0 else { continue }
                groups[0] = [0] + lead
            }
            var s = 0
            while s < groups.count {
                let g = groups[s]
                guard g.count >= 2, g[0] == 0, g[1] != 0 else {
                    s += 1
                    continue
                }
                var d: [Int] = []
                var e = s
                var found = false
                while e < groups.count {
                    d += groups[e]
                    e += 1
                    let expected = d.count >= 3 && [2, 5, 6, 7, 8, 9].contains(d[1]) && d[2] == 0 ? 11 : 10
                    if d.count == expected {
                        found = true
                        break
                    }
                    if d.count > expected { break }
                }
                if found {
                    out.append(digits(d))
                    s = e
                } else {
                    s += 1
                }
            }
        }
        return out
    }

    // MARK: Email addresses

    static let localSpecials = Set("._%+-!#$&'*/=?^`{|}~".unicodeScalars)

    /// Email addresses in one folded line, lowercased.
    static func emails(in line: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        for (i, c) in line.enumerated() where c == "@" {
            var a = i
            while a > 0 && (isASCIIAlnum(line[a - 1]) || localSpecials.contains(line[a - 1])) { a -= 1 }
            while a < i && line[a] == "." { a += 1 }
            guard a < i else { continue }
            var b = i + 1
            while b < line.count && (isASCIIAlnum(line[b]) || line[b] == "-" || line[b] == ".") { b += 1 }
            while b > i + 1 && line[b - 1] == "." { b -= 1 }
            let domain = line[(i + 1)..<b]
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
                let tld = labels.last, tld.count >= 2, tld.allSatisfy(isASCIILetter)
            else { continue }
            var address = String.UnicodeScalarView()
            address.append(contentsOf: line[a..<b])
            out.append(String(address).lowercased())
        }
        return out
    }
}
