// TextMatching.swift — keywords and regular expressions of rule tables, over folded text.
//
// Text and keywords are folded the same way before they are compared: full-width ASCII to
// ASCII, half-width katakana to full-width (ｸﾞﾙｰﾌﾟ = グループ), then lowercase. ASCII keywords
// made of letters and digits match whole words, others anywhere (as `forgotten-attachment`).
//
// A regular expression that could run away is refused when the file is read: a quantified group
// that holds a quantifier itself (`(a+)+`, `(\w*)*`, `(a{2,})+`), a back-reference, or a pattern
// longer than 1,000 characters. A regular expression reads the first 1,000 characters of each
// line (the standard library's engine tries every start position).

/// Folding shared by keywords, regexes and company names.
enum TextFolding {
    static func fold(_ text: some StringProtocol) -> String {
        simpleFold(text) ?? foldScalars(text)
    }

    /// `foldScalars` for text of simple scalars (`SimpleText`) other than half-width katakana,
    /// made on bytes: only full-width ASCII, U+3000 and upper-case ASCII change, one scalar for
    /// one. Nil for other text. PreparedMatchingTests compares the two.
    static func simpleFold(_ text: some StringProtocol) -> String? {
        SimpleText.fold(text, ideographicSpace: true, halfWidthKana: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The folding scalar by scalar, for any text.
    static func foldScalars(_ text: some StringProtocol) -> String {
        var out = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let s = scalars.first {
            scalars = scalars.dropFirst()
            if (0xFF01...0xFF5E).contains(s.value), let a = Unicode.Scalar(s.value - 0xFEE0) {
                out.append(a)
            } else if (0xFF61...0xFF9F).contains(s.value) {
                var full = halfWidthKana[Int(s.value - 0xFF61)]
                // A half-width (semi-)voiced sound mark after a kana voices it: ｶﾞ → ガ, ﾊﾟ → パ.
                if let next = scalars.first, next.value == 0xFF9E || next.value == 0xFF9F {
                    let voiced = next.value == 0xFF9E ? voicedKana[full] : semiVoicedKana[full]
                    if let voiced {
                        full = voiced
                        scalars = scalars.dropFirst()
                    }
                }
                out.append(full)
            } else if s.value == 0x3000 {
                out.append(" ")
            } else {
                out.append(s)
            }
        }
        return String(out).lowercased()
    }

    /// U+FF61…U+FF9F in full width.
    static let halfWidthKana: [Unicode.Scalar] = Array(
        "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜"
            .unicodeScalars)
    static let voicedKana: [Unicode.Scalar: Unicode.Scalar] = {
        var m: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (a, b) in zip("カキクケコサシスセソタチツテトハヒフヘホウ".unicodeScalars, "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ".unicodeScalars) { m[a] = b }
        return m
    }()
    static let semiVoicedKana: [Unicode.Scalar: Unicode.Scalar] = {
        var m: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (a, b) in zip("ハヒフヘホ".unicodeScalars, "パピプペポ".unicodeScalars) { m[a] = b }
        return m
    }()
}

/// A keyword of a rule table, folded once.
struct RuleKeyword: Sendable, Hashable {
    let written: String
    let folded: [Character]
    let foldedText: String

    init(_ written: String) {
        self.written = written
        self.foldedText = TextFolding.fold(written)
        self.folded = Array(foldedText)
    }

    /// The keyword's position in folded text, whole words for ASCII keywords.
    func find(in foldedText: [Character]) -> Int? { ForgottenAttachmentRule.find(folded, in: foldedText) }
}

/// A regular expression of a rule table, compiled once; matched case-insensitively on folded text.
struct RuleRegex: @unchecked Sendable, Equatable {
    static func == (a: RuleRegex, b: RuleRegex) -> Bool { a.written == b.written }

    // Regex holds no mutable state once compiled; it is only read.
    let written: String
    let regex: Regex<AnyRegexOutput>
    /// Folded bytes every match contains (`RegexLiteral.required`), or nil: a line without them
    /// cannot match, so the engine is not run on it.
    let requiredLiteral: [UInt8]?

    static let maximumLength = 1000

    /// Compiles `written`; the reason it is refused otherwise.
    init(_ written: String) throws(DomainPatternError) {
        if written.isEmpty { throw DomainPatternError("is an empty regular expression") }
        if written.count > Self.maximumLength {
            throw DomainPatternError("is a regular expression of \(written.count) characters (at most \(Self.maximumLength))")
        }
        if let problem = Self.runawayProblem(written) { throw DomainPatternError("'\(written)' \(problem)") }
        do {
            regex = try Regex(written).ignoresCase()
        } catch {
            throw DomainPatternError("'\(written)' is not a valid regular expression: \(error)")
        }
        self.written = written
        self.requiredLiteral = RegexLiteral.required(in: written)
    }

    /// How much of each line a regular expression reads: the standard library's engine tries
    /// every start position, so even a safe pattern costs (line length)² on a pathological line.
    static let maximumLineLength = 1000

    func firstMatch(in foldedText: String) -> String? {
        let text = foldedText.count > Self.maximumLineLength ? String(foldedText.prefix(Self.maximumLineLength)) : foldedText
        guard let m = try? regex.firstMatch(in: text) else { return nil }
        return String(text[m.range])
    }

    /// Why the pattern could backtrack without end, or nil: a quantified group holding a
    /// quantifier or an alternation, or a back-reference.
    static func runawayProblem(_ pattern: String) -> String? {
        let chars = Array(pattern)
        // For each open group: does it contain a quantifier (at any depth)?
        var stack: [Bool] = []
        var i = 0
        var inClass = false
        func isQuantifier(at j: Int) -> Bool {
            guard j < chars.count else { return false }
            if chars[j] == "*" || chars[j] == "+" { return true }
            if chars[j] == "{" {
                // {n,} or {n,m} with m > 1 repeats; {n} and {0,1} do not multiply much.
                var k = j + 1
                var body = ""
                while k < chars.count && chars[k] != "}" {
                    body.append(chars[k])
                    k += 1
                }
                let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                if parts.count == 2 { return parts[1].isEmpty || (Int(parts[1]) ?? 2) > 1 }
                return (Int(body) ?? 0) > 1
            }
            return false
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                if i + 1 < chars.count, chars[i + 1].isNumber, chars[i + 1] != "0" {
                    return "uses a back-reference, which can take exponential time"
                }
                if i + 1 < chars.count, chars[i + 1] == "k" { return "uses a back-reference, which can take exponential time" }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                i += 1
                continue
            }
            switch c {
            case "[": inClass = true
            case "(": stack.append(false)
            case ")":
                let inner = stack.popLast() ?? false
                if inner && isQuantifier(at: i + 1) {
                    return "repeats a group that repeats inside (nested quantifiers can run for ever); write it without the outer repetition"
                }
                if inner, !stack.isEmpty { stack[stack.count - 1] = true }
            case "*", "+":
                if !stack.isEmpty { stack[stack.count - 1] = true }
            case "{":
                if isQuantifier(at: i), !stack.isEmpty { stack[stack.count - 1] = true }
            default: break
            }
            i += 1
        }
        return nil
    }
}

/// The longest run of plain characters that every match of a rule's regular expression must
/// contain, as the bytes it has in folded text: lines without it are not given to the engine.
///
/// Only what is certain is taken, anything unclear ends a run or gives no literal at all (nil:
/// every line is tried, as without the filter):
///   - no literal for a pattern with `|` (alternatives), `(?` (options, look-arounds), or an
///     escape that stands for a character by its code (`\x`, `\u`, `\N`, `\o`, `\0`–`\9`),
///     a property, a reference or a quotation (`\p`, `\k`, `\g`, `\c`, `\Q`);
///   - runs are made of printable ASCII letters, digits and punctuation written outside groups
///     and classes (a punctuation mark may be escaped, `\.`); letters are lowercased (the text
///     is folded to lower case and the pattern ignores case); `;` and `` ` `` are left out
///     (U+037E and U+1FEF are canonically equal to them);
///   - a character directly before a quantifier (`*`, `+`, `?`, `{`) or a non-ASCII character
///     is dropped from its run (it may repeat zero times, or join the next character into one
///     grapheme, as `e` and U+0301 make `é`); groups, classes, other escapes (`\d`, `\b`),
///     `.`, `^`, `$`, spaces and `#` end a run.
/// A plain ASCII character of the pattern matches only itself in folded text (the engine
/// matches by grapheme and ignores case; folding has turned every upper-case letter, and the
/// Kelvin sign, into lower case), and a grapheme made of it alone is that byte in UTF-8, so a
/// match contains every run. RuleRegexTests compares filtered and unfiltered matching.
enum RegexLiteral {
    static func required(in pattern: String) -> [UInt8]? {
        let chars = Array(pattern)
        if pattern.contains("|") || pattern.contains("(?") { return nil }
        var best: [UInt8] = []
        var run: [UInt8] = []
        func end(dropLast: Bool) {
            if dropLast, !run.isEmpty { run.removeLast() }
            if run.count > best.count { best = run }
            run = []
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                guard i + 1 < chars.count else { return nil }
                let n = chars[i + 1]
                guard let a = n.asciiValue else { return nil }
                if Self.isPlain(a) && !Self.isLetterOrDigit(a) {
                    // An escaped punctuation mark stands for itself.
                    run.append(a)
                } else if "dDwWsSbBhHvVRntrfeaAzZGXK".contains(n) {
                    // A class, an anchor or a control character: never part of the grapheme before.
                    end(dropLast: false)
                } else {
                    return nil
                }
                i += 2
                continue
            case "[":
                end(dropLast: false)
                // Skip the class, nested classes included; `]` first (after `^`) is a member.
                var j = i + 1
                if j < chars.count && chars[j] == "^" { j += 1 }
                if j < chars.count && chars[j] == "]" { j += 1 }
                var depth = 1
                while j < chars.count && depth > 0 {
                    if chars[j] == "\\" {
                        j += 2
                        continue
                    }
                    if chars[j] == "[" { depth += 1 } else if chars[j] == "]" { depth -= 1 }
                    j += 1
                }
                guard depth == 0 else { return nil }
                i = j
                continue
            case "(":
                end(dropLast: false)
                // Skip the group: what is inside may be repeated zero times.
                var j = i + 1
                var depth = 1
                var inClass = false
                while j < chars.count && depth > 0 {
                    let d = chars[j]
                    if d == "\\" {
                        j += 2
                        continue
                    }
                    if inClass {
                        if d == "]" { inClass = false }
                    } else if d == "[" {
                        inClass = true
                    } else if d == "(" {
                        depth += 1
                    } else if d == ")" {
                        depth -= 1
                    }
                    j += 1
                }
                guard depth == 0 else { return nil }
                i = j
                continue
            case "*", "+", "?":
                end(dropLast: true)
            case "{":
                end(dropLast: true)
                if let close = chars[(i + 1)...].firstIndex(of: "}") {
                    i = close + 1
                    continue
                }
            default:
                if let a = c.asciiValue, Self.isPlain(a), !"])}.^$#".contains(c) {
                    run.append(Self.isUpper(a) ? a + 0x20 : a)
                } else {
                    end(dropLast: c.asciiValue == nil)
                }
            }
            i += 1
        }
        end(dropLast: false)
        return best.isEmpty ? nil : best
    }

    /// Printable ASCII other than space, `;` and `` ` ``.
    static func isPlain(_ a: UInt8) -> Bool { a > 0x20 && a < 0x7F && a != UInt8(ascii: ";") && a != UInt8(ascii: "`") }
    static func isLetterOrDigit(_ a: UInt8) -> Bool { KeywordIndex.isWordByte(a) }
    static func isUpper(_ a: UInt8) -> Bool { a >= 0x41 && a <= 0x5A }
}

/// Every body keyword of every rule table, found in one pass over the text (Aho–Corasick over
/// UTF-8 bytes): a thousand keyword rules read a large body once, not a thousand times.
final class KeywordIndex: Sendable {
    /// Keyword (folded text) → its number.
    let ids: [String: Int]
    private let keywords: [[UInt8]]
    /// ASCII letters and digits only: matched as whole words.
    private let wholeWord: [Bool]
    /// Transitions: node * 256 + byte → node.
    private let next: [Int32]
    /// Node → keywords ending there (through the failure links too).
    private let outputs: [[Int32]]
    /// Node → some keyword ends there: what the scans look at for each byte (an array of arrays
    /// read for each byte of a 1 MiB body cost a retain and a release each).
    private let ends: [Bool]

    /// `wholeWords`: ASCII keywords of letters and digits match only as whole words (false for
    /// the literals of regular expressions, which match anywhere).
    init(_ folded: [String], wholeWords: Bool = true) {
        var ids: [String: Int] = [:]
        var keywords: [[UInt8]] = []
        for k in folded where !k.isEmpty && ids[k] == nil {
            ids[k] = keywords.count
            keywords.append(Array(k.utf8))
        }
        self.ids = ids
        self.keywords = keywords
        wholeWord = keywords.map { wholeWords && $0.allSatisfy(Self.isWordByte) }
        // The trie.
        var next = [Int32](repeating: -1, count: 256)
        var outputs: [[Int32]] = [[]]
        for (n, k) in keywords.enumerated() {
            var node = 0
            for b in k {
                let slot = node * 256 + Int(b)
                if next[slot] < 0 {
                    next[slot] = Int32(outputs.count)
                    outputs.append([])
                    next += [Int32](repeating: -1, count: 256)
                }
                node = Int(next[slot])
            }
            outputs[node].append(Int32(n))
        }
        // Failure links, breadth first, turned into a full transition table.
        var fail = [Int](repeating: 0, count: outputs.count)
        var queue: [Int] = []
        for b in 0..<256 {
            let child = next[b]
            if child < 0 { next[b] = 0 } else { queue.append(Int(child)) }
        }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            outputs[node] += outputs[fail[node]]
            for b in 0..<256 {
                let child = next[node * 256 + b]
                let viaFail = next[fail[node] * 256 + b]
                if child < 0 {
                    next[node * 256 + b] = viaFail
                } else {
                    fail[Int(child)] = Int(viaFail)
                    queue.append(Int(child))
                }
            }
        }
        self.next = next
        self.outputs = outputs
        ends = outputs.map { !$0.isEmpty }
    }

    /// Keyword number → the lines holding it (anywhere in the line: for an index made with
    /// `wholeWords: false`), as indices into `lineStarts` (the ascending byte offsets where the
    /// lines of `text` start), ascending, each once. Keywords must not hold a line feed.
    func linesHolding(in text: [UInt8], lineStarts: [Int]) -> [Int: [Int]] {
        guard !keywords.isEmpty, !lineStarts.isEmpty else { return [:] }
        var found: [Int: [Int]] = [:]
        var node = 0
        var line = 0
        var nextStart = lineStarts.count > 1 ? lineStarts[1] : Int.max
        text.withUnsafeBufferPointer { bytes in
            next.withUnsafeBufferPointer { next in
                ends.withUnsafeBufferPointer { ends in
                    for i in 0..<bytes.count {
                        node = Int(next[node &* 256 &+ Int(bytes[i])])
                        guard ends[node] else { continue }
                        while i >= nextStart {
                            line += 1
                            nextStart = line + 1 < lineStarts.count ? lineStarts[line + 1] : Int.max
                        }
                        for k in outputs[node] where found[Int(k)]?.last != line { found[Int(k), default: []].append(line) }
                    }
                }
            }
        }
        return found
    }

    static func isWordByte(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }

    /// Keyword number → the byte offset of its first occurrence in `text` (whole words for
    /// ASCII keywords).
    func firstOccurrences(in text: [UInt8]) -> [Int: Int] {
        text.withUnsafeBufferPointer { firstOccurrences(in: $0) }
    }

    /// The same for the bytes `range` of `text`, as if they were the whole text: offsets from
    /// `range.lowerBound`, and the bytes around the range are no neighbours of a whole word.
    func firstOccurrences(in text: [UInt8], _ range: Range<Int>) -> [Int: Int] {
        text.withUnsafeBufferPointer { firstOccurrences(in: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    func firstOccurrences(in text: UnsafeBufferPointer<UInt8>) -> [Int: Int] {
        guard !keywords.isEmpty else { return [:] }
        var found: [Int: Int] = [:]
        var node = 0
        next.withUnsafeBufferPointer { next in
            ends.withUnsafeBufferPointer { ends in
                for i in 0..<text.count {
                    node = Int(next[node &* 256 &+ Int(text[i])])
                    guard ends[node] else { continue }
                    for k in outputs[node] {
                        let k = Int(k)
                        guard found[k] == nil else { continue }
                        let start = i + 1 - keywords[k].count
                        if wholeWord[k] {
                            if start > 0 && Self.isWordByte(text[start - 1]) { continue }
                            if i + 1 < text.count && Self.isWordByte(text[i + 1]) { continue }
                        }
                        found[k] = start
                    }
                    if found.count == keywords.count { break }
                }
            }
        }
        return found
    }
}
