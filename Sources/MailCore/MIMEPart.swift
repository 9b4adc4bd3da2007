// MIMEPart.swift — the pieces of MIME that the message parser is built from: header sections,
// MIME parameters (RFC 2045 + RFC 2231), content types, multipart splitting, and text in a
// charset. Everything works on byte offsets into the one input buffer, so a large message is
// never copied part by part.
// - SeeAlso: RFC 5322 §2.2 (header fields), RFC 2045 §5 (Content-Type), RFC 2046 §5.1
//   (multipart), RFC 2183 (Content-Disposition), RFC 2231 (parameter continuations, charsets).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Bytes

enum MIMEBytes {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    @inline(__always)
    static func isWSP(_ c: UInt8) -> Bool { c == space || c == tab }

    /// The offset of the next LF in `b[from..<to]`, or `to` if there is none.
    @inline(__always)
    static func lineFeed(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let base = b.baseAddress else { return to }
        guard let found = memchr(base + from, Int32(lf), to - from) else { return to }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// `end` moved back over one CR, when the line's content ends in one.
    @inline(__always)
    static func contentEnd(_ b: UnsafeBufferPointer<UInt8>, lineStart: Int, lineFeed: Int) -> Int {
        lineFeed > lineStart && b[lineFeed - 1] == cr ? lineFeed - 1 : lineFeed
    }

    static func trimmedWSP(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = bytes
        while let f = s.first, isWSP(f) || f == cr || f == lf { s.removeFirst() }
        while let l = s.last, isWSP(l) || l == cr || l == lf { s.removeLast() }
        return s
    }
}

// MARK: - Header sections

/// One header section: its fields, unfolded, and where the body after it starts.
struct HeaderSection {
    var fields: [(name: String, value: String)]
    var bodyStart: Int

    /// The first field with this name (case-insensitive), raw.
    func value(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Reads header fields from `b[start..<end]` up to the first empty line.
    ///
    /// Nil when the first line is neither empty nor a header field (`Name: value`). A later line
    /// that is not a field either ends the section there (`lenient == false`: a part whose body
    /// was not separated from its headers) or is taken as a continuation of the field before it
    /// (`lenient == true`, for the top-level section: a recipient on a line folded without
    /// leading whitespace must not disappear into the body).
    static func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, lenient: Bool) -> HeaderSection? {
        var fields: [(name: String, value: [UInt8])] = []
        var i = start
        while i < end {
            let lf = MIMEBytes.lineFeed(b, from: i, to: end)
            let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
            let next = lf < end ? lf + 1 : end
            if contentEnd == i {
                return HeaderSection(fields: finish(fields), bodyStart: next)
            }
            let line = UnsafeBufferPointer(rebasing: b[i..<contentEnd])
            if MIMEBytes.isWSP(line[0]) {
                guard !fields.isEmpty else { return nil }
                // Unfolding removes the line break only; the whitespace stays (RFC 5322 §2.2.3).
                fields[fields.count - 1].value.append(contentsOf: line)
            } else if let colon = fieldColon(line) {
                var nameEnd = colon
                while nameEnd > 0, MIMEBytes.isWSP(line[nameEnd - 1]) { nameEnd -= 1 }
                let name = String(decoding: UnsafeBufferPointer(rebasing: line[..<nameEnd]), as: UTF8.self)
                fields.append((name, Array(line[(colon + 1)...])))
            } else if fields.isEmpty {
                return nil
            } else if lenient {
                fields[fields.count - 1].value.append(MIMEBytes.space)
                fields[fields.count - 1].value.append(contentsOf: line)
            } else {
                return HeaderSection(fields: finish(fields), bodyStart: i)
            }
            i = next
        }
        return HeaderSection(fields: finish(fields), bodyStart: end)
    }

    /// The offset of the `:` ending a field name (printable ASCII except `:`, then optional
    /// whitespace, as obsolete syntax allows), or nil.
    static func fieldColon(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var j = 0
        while j < line.count, line[j] > 0x20, line[j] < 0x7F, line[j] != UInt8(ascii: ":") { j += 1 }
        guard j > 0 else { return nil }
        var k = j
        while k < line.count, MIMEBytes.isWSP(line[k]) { k += 1 }
        return k < line.count && line[k] == UInt8(ascii: ":") ? k : nil
    }

    private static func finish(_ fields: [(name: String, value: [UInt8])]) -> [(name: String, value: String)] {
        fields.map { ($0.name, TextDecoding.headerText(Array(MIMEBytes.trimmedWSP($0.value[...])))) }
    }
}

extension String {
    /// ASCII case-insensitive equality (header and parameter names).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var i = utf8.makeIterator(), j = other.utf8.makeIterator()
        while let a = i.next(), let b = j.next() {
            if a == b { continue }
            let lower = a | 0x20
            guard lower == b | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}

// MARK: - Parameters

/// A structured header value with parameters: `Content-Type` or `Content-Disposition`.
///
/// Parameters are read as RFC 2045 defines them (`; name=token` or `; name="quoted string"`,
/// comments allowed between tokens) and then put together as RFC 2231 says: `name*=charset'lang'…`
/// with %XX escapes, continuations `name*0=`, `name*1*=` … in section order, the charset given
/// by the first section. A parameter given both ways takes the RFC 2231 form.
struct MIMEParameterizedValue {
    struct Parameter {
        var value: String
        /// True when the value came from a plain `name=` (not RFC 2231), where some mailers put
        /// RFC 2047 encoded-words.
        var isPlain: Bool
    }

    /// The value before the first `;`, comments and whitespace removed, lowercased.
    var value: String
    /// Parameters by lowercased name.
    var parameters: [String: Parameter]

    func parameter(_ name: String) -> String? { parameters[name]?.value }

    init(_ text: String) {
        let b = Array(text.utf8)
        var pos = 0
        var main: [UInt8] = []
        while pos < b.count, b[pos] != UInt8(ascii: ";") {
            if b[pos] == UInt8(ascii: "(") {
                pos = Self.skipComment(b, pos)
                continue
            }
            if !MIMEBytes.isWSP(b[pos]) && b[pos] != MIMEBytes.cr && b[pos] != MIMEBytes.lf {
                main.append(b[pos])
            }
            pos += 1
        }
        value = String(decoding: main, as: UTF8.self).lowercased()

        var raw: [(name: String, value: [UInt8])] = []
        while pos < b.count {
            guard b[pos] == UInt8(ascii: ";") else {
                pos += 1
                continue
            }
            pos += 1
            pos = Self.skipCFWS(b, pos)
            let nameStart = pos
            while pos < b.count, !Self.endsName(b[pos]) { pos += 1 }
            let name = String(decoding: b[nameStart..<pos], as: UTF8.self).lowercased()
            pos = Self.skipCFWS(b, pos)
            guard pos < b.count, b[pos] == UInt8(ascii: "=") else { continue }
            pos = Self.skipCFWS(b, pos + 1)
            var bytes: [UInt8] = []
            if pos < b.count, b[pos] == UInt8(ascii: "\"") {
                pos += 1
                while pos < b.count, b[pos] != UInt8(ascii: "\"") {
                    if b[pos] == UInt8(ascii: "\\"), pos + 1 < b.count { pos += 1 }
                    bytes.append(b[pos])
                    pos += 1
                }
                pos += 1
                // Anything after the closing quote up to the next ';' is ignored.
                while pos < b.count, b[pos] != UInt8(ascii: ";") { pos += 1 }
            } else {
                // A token; tolerated with spaces inside (`name=My File.pdf`), ended by ';' or a comment.
                let start = pos
                while pos < b.count, b[pos] != UInt8(ascii: ";"), b[pos] != UInt8(ascii: "(") { pos += 1 }
                bytes = Array(MIMEBytes.trimmedWSP(b[start..<pos]))
                while pos < b.count, b[pos] != UInt8(ascii: ";") { pos += 1 }
            }
            if !name.isEmpty { raw.append((name, bytes)) }
        }
        parameters = Self.assemble(raw)
    }

    static func endsName(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "=") || c == UInt8(ascii: ";") || c == UInt8(ascii: "(") || c == UInt8(ascii: "\"")
            || MIMEBytes.isWSP(c) || c == MIMEBytes.cr || c == MIMEBytes.lf
    }

    /// Past whitespace and comments.
    static func skipCFWS(_ b: [UInt8], _ start: Int) -> Int {
        var pos = start
        while pos < b.count {
            if MIMEBytes.isWSP(b[pos]) || b[pos] == MIMEBytes.cr || b[pos] == MIMEBytes.lf {
                pos += 1
            } else if b[pos] == UInt8(ascii: "(") {
                pos = skipComment(b, pos)
            } else {
                break
            }
        }
        return pos
    }

    /// Past a (possibly nested) comment starting at `start`; to the end if it is not closed.
    static func skipComment(_ b: [UInt8], _ start: Int) -> Int {
        var depth = 0
        var pos = start
        while pos < b.count {
            switch b[pos] {
            case UInt8(ascii: "\\"): pos += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return pos + 1 }
            default: break
            }
            pos += 1
        }
        return b.count
    }

    /// RFC 2231 §3–4: puts sections together and decodes extended values.
    static func assemble(_ raw: [(name: String, value: [UInt8])]) -> [String: Parameter] {
        struct Section { var index: Int?; var extended: Bool; var bytes: [UInt8] }
        var plain: [String: [UInt8]] = [:]
        var sections: [String: [Section]] = [:]
        var order: [String] = []
        for (name, bytes) in raw {
            if let star = name.firstIndex(of: "*"), star != name.startIndex,
               let (index, extended) = sectionSuffix(name[star...]) {
                let base = String(name[..<star])
                if sections[base] == nil && plain[base] == nil { order.append(base) }
                sections[base, default: []].append(Section(index: index, extended: extended, bytes: bytes))
            } else if plain[name] == nil {
                if sections[name] == nil { order.append(name) }
                plain[name] = bytes
            }
        }
        var result: [String: Parameter] = [:]
        for name in order {
            if let list = sections[name] {
                if let single = list.first(where: { $0.index == nil }) {
                    let (charset, bytes) = extendedValue(single.bytes, initial: true)
                    result[name] = Parameter(value: TextDecoding.text(bytes, charset: charset), isPlain: false)
                    continue
                }
                // Continuations in section order; a repeated section number keeps its first value.
                var seen = Set<Int>()
                let ordered = list.enumerated()
                    .sorted { ($0.element.index ?? 0, $0.offset) < ($1.element.index ?? 0, $1.offset) }
                    .map(\.element)
                    .filter { seen.insert($0.index ?? 0).inserted }
                var charset: String?
                var bytes: [UInt8] = []
                for (k, section) in ordered.enumerated() {
                    if section.extended {
                        let (sectionCharset, decoded) = extendedValue(section.bytes, initial: k == 0)
                        if k == 0 { charset = sectionCharset }
                        bytes += decoded
                    } else {
                        bytes += section.bytes
                    }
                }
                let anyExtended = ordered.contains { $0.extended }
                result[name] = Parameter(value: TextDecoding.text(bytes, charset: charset), isPlain: !anyExtended)
            } else if let bytes = plain[name] {
                result[name] = Parameter(value: TextDecoding.headerText(bytes), isPlain: true)
            }
        }
        return result
    }

    /// `*` → (nil, extended); `*N` → (N, plain); `*N*` → (N, extended); anything else nil.
    static func sectionSuffix(_ suffix: Substring) -> (Int?, Bool)? {
        var rest = suffix.dropFirst()
        if rest.isEmpty { return (nil, true) }
        var extended = false
        if rest.last == "*" {
            extended = true
            rest = rest.dropLast()
        }
        guard !rest.isEmpty, rest.count <= 6, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(rest) else {
            return nil
        }
        return (index, extended)
    }

    /// An extended value: on the first section, `charset'language'` and then %XX escapes.
    /// Without the two apostrophes the whole value is taken as escaped text.
    static func extendedValue(_ bytes: [UInt8], initial: Bool) -> (charset: String?, bytes: [UInt8]) {
        var charset: String?
        var text = bytes[...]
        if initial, let first = bytes.firstIndex(of: UInt8(ascii: "'")),
           let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: "'")) {
            let name = String(decoding: bytes[..<first], as: UTF8.self)
            charset = name.isEmpty ? nil : name
            text = bytes[(second + 1)...]
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == UInt8(ascii: "%"), i + 2 < text.endIndex,
               let hi = QuotedPrintable.hexValue(text[i + 1]), let lo = QuotedPrintable.hexValue(text[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return (charset, out)
    }
}

/// A parsed Content-Type.
struct MIMEContentType {
    var type: String
    var subtype: String
    var parameters: MIMEParameterizedValue

    /// `type/subtype`, lowercased.
    var mimeType: String { type + "/" + subtype }

    /// Nil when the value is not `type/subtype` (RFC 2045 §5.2 then says: text/plain).
    init?(_ text: String) {
        let parsed = MIMEParameterizedValue(text)
        let pieces = parsed.value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
        type = String(pieces[0])
        subtype = String(pieces[1])
        parameters = parsed
    }

    init(type: String, subtype: String) {
        self.type = type
        self.subtype = subtype
        parameters = MIMEParameterizedValue("\(type)/\(subtype)")
    }
}

// MARK: - Multipart

enum Multipart {
    /// The body parts of a multipart body in `b[range]`, delimited by lines `--boundary`
    /// (transport whitespace allowed after it) and closed by `--boundary--`. The preamble and
    /// the epilogue are left out; the line break before each delimiter belongs to the delimiter.
    /// A missing close delimiter ends the last part at the end of the range. Nil when no
    /// delimiter line occurs at all.
    static func parts(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, boundary: [UInt8]) -> [Range<Int>]? {
        guard !boundary.isEmpty else { return nil }
        var parts: [Range<Int>] = []
        var partStart: Int?
        var i = range.lowerBound
        let end = range.upperBound
        let delimiterLength = boundary.count + 2
        while i < end {
            let lf = MIMEBytes.lineFeed(b, from: i, to: end)
            if lf - i >= delimiterLength, b[i] == UInt8(ascii: "-"), b[i + 1] == UInt8(ascii: "-"),
               matches(b, at: i + 2, boundary) {
                let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
                var r = i + delimiterLength
                let isClose = r + 1 < contentEnd && b[r] == UInt8(ascii: "-") && b[r + 1] == UInt8(ascii: "-")
                if !isClose { while r < contentEnd, MIMEBytes.isWSP(b[r]) { r += 1 } }
                if isClose || r == contentEnd {
                    if let start = partStart {
                        parts.append(start..<partEnd(b, start: start, delimiter: i))
                    }
                    if isClose { return parts }
                    partStart = lf < end ? lf + 1 : end
                }
            }
            i = lf + 1
        }
        guard let start = partStart else { return nil }
        parts.append(start..<end)
        return parts
    }

    /// Where a part's content ends: before the CRLF (or LF) that precedes its delimiter line.
    static func partEnd(_ b: UnsafeBufferPointer<UInt8>, start: Int, delimiter: Int) -> Int {
        guard delimiter > start else { return start }
        var e = delimiter - 1 // the LF
        if e > start, b[e - 1] == MIMEBytes.cr { e -= 1 }
        return e
    }

    @inline(__always)
    static func matches(_ b: UnsafeBufferPointer<UInt8>, at offset: Int, _ boundary: [UInt8]) -> Bool {
        boundary.withUnsafeBufferPointer { needle in
            memcmp(b.baseAddress! + offset, needle.baseAddress!, needle.count) == 0
        }
    }

    /// For a multipart without a boundary parameter: the first line that looks like a delimiter.
    static func guessBoundary(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8]? {
        var i = range.lowerBound
        while i < range.upperBound {
            let lf = MIMEBytes.lineFeed(b, from: i, to: range.upperBound)
            let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
            if contentEnd - i > 2, b[i] == UInt8(ascii: "-"), b[i + 1] == UInt8(ascii: "-") {
                let candidate = MIMEBytes.trimmedWSP(ArraySlice(UnsafeBufferPointer(rebasing: b[(i + 2)..<contentEnd])))
                if !candidate.isEmpty { return Array(candidate) }
            }
            i = lf + 1
        }
        return nil
    }
}

// MARK: - Text in a charset

enum TextDecoding {
    /// `bytes` as text in the named charset, never failing: the charsets the encoded-word
    /// decoder knows (UTF-8, US-ASCII, ISO-8859-1, windows-1252, ISO-2022-JP, Shift_JIS/CP932,
    /// EUC-JP), then any other charset glibc's iconv knows by that name. When the bytes are not
    /// valid in the labelled charset: UTF-8; without a usable label, the Japanese charsets are
    /// tried too; failing all that, line by line, so a few bad lines do not cost the rest.
    static func text(_ bytes: [UInt8], charset: String?) -> String {
        let label = charset.map { $0.trimming(" \t\"'") } ?? ""
        let known = label.isEmpty ? nil : EncodedWordDecoder.Charset(name: label)
        // Only a plain charset name goes to iconv: no "//IGNORE"-style suffixes, no paths.
        let iconvLabel = known == nil && !label.isEmpty && label.utf8.count <= 40
            && label.utf8.allSatisfy({ QuotedPrintable.hexValue($0) != nil || HTMLText.isNameByte($0)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") })
            ? label : nil
        func labelled(_ b: [UInt8]) -> String? {
            if let known { return decode(b, known) }
            if let iconvLabel { return Iconv.decode(b, from: iconvLabel) }
            return nil
        }
        if let s = labelled(bytes) { return s }
        if !bytes.contains(0x1B), let s = String(validating: bytes, as: UTF8.self) { return s }
        if known == nil || known == .ascii, let s = guessJapanese(bytes) { return s }
        var out = ""
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != MIMEBytes.lf { end += 1 }
            if end < bytes.count { end += 1 }
            let line = Array(bytes[start..<end])
            out += labelled(line) ?? guess(line)
            start = end
        }
        return out
    }

    /// The bytes in a charset the encoded-word decoder knows; ISO-2022-JP also as Japanese
    /// mailers write it with Windows extensions (CP50220/CP50221: ①, ㈱, Ⅰ …), which iconv's
    /// ISO-2022-JP does not take.
    static func decode(_ bytes: [UInt8], _ charset: EncodedWordDecoder.Charset) -> String? {
        if let s = charset.decode(bytes) { return s }
        return charset == .iso2022JP ? iso2022JPViaCP932(bytes) : nil
    }

    /// Unlabelled bytes: ISO-2022-JP when there are escape sequences; UTF-8; Shift_JIS (CP932);
    /// EUC-JP; otherwise ISO-8859-1, which takes any bytes.
    static func guess(_ bytes: [UInt8]) -> String {
        if !bytes.contains(0x1B), let s = String(validating: bytes, as: UTF8.self) { return s }
        if let s = guessJapanese(bytes) { return s }
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return EncodedWordDecoder.Charset.latin1.decode(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// ISO-2022-JP when there are escape sequences, else Shift_JIS (CP932), else EUC-JP.
    static func guessJapanese(_ bytes: [UInt8]) -> String? {
        if bytes.contains(0x1B) { return decode(bytes, .iso2022JP) }
        return EncodedWordDecoder.Charset.shiftJIS.decode(bytes) ?? EncodedWordDecoder.Charset.eucJP.decode(bytes)
    }

    /// ISO-2022-JP rewritten as Shift_JIS (JIS X 0208 rows map arithmetically, including the NEC
    /// and IBM extension rows) and decoded as CP932. Nil for escape sequences other than ASCII,
    /// JIS X 0201 Roman and katakana, JIS X 0208 and JIS X 0213 plane 1, or invalid bytes.
    static func iso2022JPViaCP932(_ bytes: [UInt8]) -> String? {
        enum Mode { case ascii, jis, kana }
        var mode = Mode.ascii
        var sjis: [UInt8] = []
        sjis.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c == 0x1B {
                guard i + 2 < n else { return nil }
                switch (bytes[i + 1], bytes[i + 2]) {
                case (UInt8(ascii: "$"), UInt8(ascii: "B")), (UInt8(ascii: "$"), UInt8(ascii: "@")):
                    mode = .jis
                    i += 3
                case (UInt8(ascii: "("), UInt8(ascii: "B")), (UInt8(ascii: "("), UInt8(ascii: "J")):
                    mode = .ascii
                    i += 3
                case (UInt8(ascii: "("), UInt8(ascii: "I")):
                    mode = .kana
                    i += 3
                case (UInt8(ascii: "$"), UInt8(ascii: "(")) where i + 3 < n
                    && (bytes[i + 3] == UInt8(ascii: "Q") || bytes[i + 3] == UInt8(ascii: "O") || bytes[i + 3] == UInt8(ascii: "B")):
                    mode = .jis
                    i += 4
                default:
                    return nil
                }
                continue
            }
            switch c {
            case 0x0E: mode = .kana; i += 1; continue // SO
            case 0x0F: mode = .ascii; i += 1; continue // SI
            case MIMEBytes.cr, MIMEBytes.lf: sjis.append(c); i += 1; continue
            default: break
            }
            switch mode {
            case .ascii:
                guard c < 0x80 else { return nil }
                sjis.append(c)
                i += 1
            case .kana:
                guard c >= 0x21 && c <= 0x5F else { return nil }
                sjis.append(c + 0x80)
                i += 1
            case .jis:
                guard i + 1 < n, (0x21...0x7E).contains(c), (0x21...0x7E).contains(bytes[i + 1]) else { return nil }
                let j1 = Int(c), j2 = Int(bytes[i + 1])
                var s1 = ((j1 - 0x21) >> 1) + 0x81
                if s1 > 0x9F { s1 += 0x40 }
                var s2: Int
                if j1 & 1 == 1 {
                    s2 = j2 + 0x1F
                    if s2 >= 0x7F { s2 += 1 }
                } else {
                    s2 = j2 + 0x7E
                }
                sjis.append(UInt8(s1))
                sjis.append(UInt8(s2))
                i += 2
            }
        }
        return EncodedWordDecoder.Charset.shiftJIS.decode(sjis)
    }

    /// A header value's bytes as text: usually ASCII or UTF-8; raw ISO-2022-JP, Shift_JIS and
    /// EUC-JP from older Japanese mailers are recognised.
    static func headerText(_ bytes: [UInt8]) -> String {
        if !bytes.contains(0x1B), let s = String(validating: bytes, as: UTF8.self) { return s }
        return guess(bytes)
    }

    /// Text for reading: line breaks (CRLF, CR) made LF, and a leading byte order mark removed.
    static func normalizedLines(_ text: String) -> String {
        var s = text
        if s.unicodeScalars.first == "\u{FEFF}" { s.unicodeScalars.removeFirst() }
        guard s.utf8.contains(MIMEBytes.cr) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var previousCR = false
        for byte in s.utf8 {
            if byte == MIMEBytes.cr {
                out.append(MIMEBytes.lf)
                previousCR = true
                continue
            }
            if !(byte == MIMEBytes.lf && previousCR) { out.append(byte) }
            previousCR = false
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
