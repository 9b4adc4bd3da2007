// EncodedWordDecoder.swift — RFC 2047 encoded-word decoding for header values.
//
// `=?charset?B?…?=` and `=?charset?Q?…?=` with charsets UTF-8, US-ASCII, ISO-8859-1,
// windows-1252, ISO-2022-JP (with the Windows extensions: ①, ㈱, 髙 as Outlook writes them),
// Shift_JIS (CP932), EUC-JP, the aliases clients write for them, and any charset glibc's iconv
// converts (GB2312/GBK as GB18030, Big5 as CP950, EUC-KR/ks_c_5601-1987 as CP949, UTF-16/32,
// ISO-8859-*, KOI8-R …); RFC 2231 language suffixes (`UTF-8*ja`) are ignored. Whitespace between adjacent encoded-words is dropped; the bytes of
// adjacent words in the same charset are decoded together, so a character split across two words
// comes out whole. Anything malformed (bad syntax, bad Base64/Q, bytes invalid in the charset) is
// left exactly as it was; a well-formed word in a charset nothing converts keeps its ASCII and
// shows every other byte as U+FFFD. `decodeNoting` says what could not be read. Spaces inside the
// encoded text are tolerated. Folded lines (CRLF + whitespace) are unfolded first.
// Decoding is lenient about position: encoded-words are recognised even when not separated from
// surrounding text by whitespace, and inside quoted strings.


public enum EncodedWordDecoder {
    public static func decode(_ headerValue: String) -> String {
        decodeNoting(headerValue).text
    }

    /// The decoded value and a sentence for each thing that could not be read: an encoded-word
    /// in a charset nothing here converts keeps its ASCII characters and shows every other byte
    /// as U+FFFD (visible, never guessed), and the note names the charset.
    public static func decodeNoting(_ headerValue: String) -> (text: String, notes: [String]) {
        let bytes = unfold(Array(headerValue.utf8))
        guard containsMarker(bytes) else { return (String(decoding: bytes, as: UTF8.self), []) }

        // Split into literal runs and well-formed encoded-words.
        var pieces: [Piece] = []
        var literalStart = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "="), bytes[i + 1] == UInt8(ascii: "?"), let word = parseWord(bytes, at: i) {
                if literalStart < i { pieces.append(.literal(Array(bytes[literalStart..<i]))) }
                pieces.append(.word(word))
                i = word.end
                literalStart = i
            } else {
                i += 1
            }
        }
        if literalStart < bytes.count { pieces.append(.literal(Array(bytes[literalStart...]))) }

        // Gather clusters of words separated only by linear whitespace and resolve each.
        var notes: [String] = []
        var out = ""
        var n = 0
        while n < pieces.count {
            switch pieces[n] {
            case .literal(let b):
                out += String(decoding: b, as: UTF8.self)
                n += 1
            case .word(let first):
                var words = [first]
                var gaps: [[UInt8]] = []
                var m = n + 1
                while m < pieces.count {
                    if case .word(let next) = pieces[m] {
                        gaps.append([]) // directly adjacent
                        words.append(next)
                        m += 1
                    } else if m + 1 < pieces.count, case .literal(let gap) = pieces[m], isLinearWhitespace(gap),
                        case .word(let next) = pieces[m + 1]
                    {
                        gaps.append(gap)
                        words.append(next)
                        m += 2
                    } else {
                        break
                    }
                }
                out += resolve(words, gaps, notes: &notes)
                n = m
            }
        }
        return (out, notes)
    }

    // MARK: Words

    struct Word {
        var raw: [UInt8]
        /// Nil for a charset nothing here converts (`charsetName` says which).
        var charset: Charset?
        var charsetName: String
        var bytes: [UInt8]
        var end: Int
    }

    enum Piece {
        case literal([UInt8])
        case word(Word)
    }

    /// Parses `=?charset?enc?text?=` at `start`; nil if it is not a decodable encoded-word.
    static func parseWord(_ b: [UInt8], at start: Int) -> Word? {
        var i = start + 2
        let charsetStart = i
        while i < b.count, b[i] != UInt8(ascii: "?") {
            guard b[i] > 0x20, b[i] < 0x7F else { return nil }
            i += 1
        }
        guard i < b.count, i > charsetStart else { return nil }
        let charsetName = String(decoding: b[charsetStart..<i], as: UTF8.self)
        i += 1
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "?") else { return nil }
        let encoding = b[i] | 0x20 // lowercase
        guard encoding == UInt8(ascii: "b") || encoding == UInt8(ascii: "q") else { return nil }
        i += 2
        let textStart = i
        // Spaces and tabs inside the text are tolerated (some mailers fold or pad inside a word):
        // left out of "B", kept as spaces in "Q". The word still has to close with "?=".
        var hasSpace = false
        while i < b.count, b[i] != UInt8(ascii: "?") {
            if b[i] == 0x20 || b[i] == 0x09 {
                hasSpace = true
            } else {
                guard b[i] > 0x20, b[i] < 0x7F else { return nil }
            }
            i += 1
        }
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "=") else { return nil }
        var text = Array(b[textStart..<i])
        if hasSpace && encoding == UInt8(ascii: "b") { text.removeAll { $0 == 0x20 || $0 == 0x09 } }
        let end = i + 2
        let charset = Charset(name: charsetName)
        // "B" tolerates missing padding (some mailers leave it out); "Q" refuses a bad `=`.
        let decoded = text.withUnsafeBufferPointer {
            encoding == UInt8(ascii: "b")
                ? Base64.decode($0, strictness: .paddingOptional)
                : QuotedPrintable.decode($0, strictness: .strict, underscoreIsSpace: true)
        }
        guard let decoded else { return nil }
        return Word(raw: Array(b[start..<end]), charset: charset, charsetName: charsetName, bytes: decoded, end: end)
    }

    /// Decodes a cluster of words; `gaps[k]` is the whitespace between `words[k]` and `words[k+1]`.
    /// Runs of the same charset are decoded as one byte string; if that fails each word is tried
    /// alone, and a word that still fails is kept as typed (with the whitespace around it).
    static func resolve(_ words: [Word], _ gaps: [[UInt8]], notes: inout [String]) -> String {
        var units: [(text: String, decoded: Bool, first: Int, last: Int)] = []
        var k = 0
        while k < words.count {
            var j = k
            while j + 1 < words.count, words[j + 1].charset == words[k].charset,
                words[k].charset != nil || words[j + 1].charsetName.lowercased() == words[k].charsetName.lowercased()
            {
                j += 1
            }
            let run = words[k...j]
            guard let charset = words[k].charset else {
                // Unknown charset: the ASCII is kept, every other byte shows as U+FFFD.
                let bytes = run.flatMap(\.bytes)
                var scalars = String.UnicodeScalarView()
                for byte in bytes { scalars.append(byte < 0x80 ? Unicode.Scalar(byte) : "\u{FFFD}") }
                units.append((String(scalars), true, k, j))
                let unreadable = bytes.filter { $0 >= 0x80 }.count
                notes.append(
                    "charset \"\(words[k].charsetName)\" is unknown: \(unreadable) byte\(unreadable == 1 ? "" : "s") could not be read (shown as \u{FFFD})"
                )
                k = j + 1
                continue
            }
            if let s = TextDecoding.decode(run.flatMap(\.bytes), charset) {
                units.append((s, true, k, j))
            } else {
                for w in k...j {
                    if let s = TextDecoding.decode(words[w].bytes, charset) {
                        units.append((s, true, w, w))
                    } else {
                        units.append((String(decoding: words[w].raw, as: UTF8.self), false, w, w))
                        notes.append(
                            "an encoded-word is not valid \(words[w].charsetName) and was kept as written: \"\(String(decoding: words[w].raw.prefix(60), as: UTF8.self))\""
                        )
                    }
                }
            }
            k = j + 1
        }
        var out = ""
        for (u, unit) in units.enumerated() {
            if u > 0 {
                let previous = units[u - 1]
                if !previous.decoded || !unit.decoded {
                    out += String(decoding: gaps[previous.last], as: UTF8.self)
                }
            }
            out += unit.text
        }
        return out
    }

    // MARK: Helpers

    /// Removes CR LF (or a bare LF) that is followed by a space or tab (RFC 5322 unfolding).
    static func unfold(_ b: [UInt8]) -> [UInt8] {
        guard b.contains(0x0A) else { return b }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x0D, i + 2 < b.count, b[i + 1] == 0x0A, b[i + 2] == 0x20 || b[i + 2] == 0x09 {
                i += 2
                continue
            }
            if b[i] == 0x0A, i + 1 < b.count, b[i + 1] == 0x20 || b[i + 1] == 0x09 {
                i += 1
                continue
            }
            out.append(b[i])
            i += 1
        }
        return out
    }

    static func containsMarker(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "="), b[i + 1] == UInt8(ascii: "?") { return true }
            i += 1
        }
        return false
    }

    static func isLinearWhitespace(_ b: [UInt8]) -> Bool {
        !b.isEmpty && b.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    // MARK: Charsets

    enum Charset: Equatable {
        case utf8, ascii, latin1, windows1252, iso2022JP, shiftJIS, eucJP
        /// Any other charset glibc's iconv converts: the iconv names to try, in order (a label
        /// mail clients write for a subset is read as the superset Windows writes under it:
        /// GB2312 and GBK as GB18030, EUC-KR and ks_c_5601-1987 as CP949, Big5 as CP950).
        case iconv([String])

        init?(name: String) {
            var n = name.lowercased()
            if let star = n.firstIndex(of: "*") { n = String(n[..<star]) } // RFC 2231 language
            n = n.trimming(" \t\"'")
            switch n {
            case "utf-8", "utf8", "x-utf-8", "unicode-1-1-utf-8":
                self = .utf8
            case "us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us", "csascii":
                self = .ascii
            case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "iso-ir-100", "cp819", "csisolatin1", "iso_8859-1:1987":
                self = .latin1
            case "windows-1252", "cp1252", "x-cp1252":
                self = .windows1252
            case "iso-2022-jp", "iso2022jp", "csiso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221", "cp50222", "x-iso-2022-jp":
                self = .iso2022JP
            case "shift_jis", "shift-jis", "sjis", "x-sjis", "x-shift_jis", "x-shift-jis", "ms_kanji", "csshiftjis",
                "windows-31j", "cswindows31j", "cp932", "ms932", "x-ms-cp932", "ibm-943", "windows-932":
                self = .shiftJIS
            case "euc-jp", "eucjp", "x-euc-jp", "x-euc", "ujis", "cseucpkdfmtjapanese", "euc-jp-ms", "eucjp-ms":
                self = .eucJP
            case "gb2312", "gbk", "cp936", "ms936", "windows-936", "x-gbk", "euc-cn", "x-euc-cn", "csgb2312", "gb_2312-80",
                "chinese", "gb18030", "x-gb18030", "iso-ir-58":
                self = .iconv(["GB18030"])
            case "big5", "big-5", "x-big5", "csbig5", "cp950", "ms950", "windows-950", "x-x-big5":
                self = .iconv(["CP950", "BIG5-HKSCS"])
            case "big5-hkscs", "big5hkscs":
                self = .iconv(["BIG5-HKSCS"])
            case "euc-kr", "euckr", "cseuckr", "ks_c_5601-1987", "ks_c_5601", "ks_c_5601-1989", "ksc5601", "ksc_5601",
                "iso-ir-149", "csksc56011987", "korean", "cp949", "ms949", "windows-949", "x-windows-949", "uhc", "ks_c_5601_1987":
                self = .iconv(["CP949", "EUC-KR"])
            default:
                // Any other plain name iconv knows (ISO-8859-*, KOI8-R/U, UTF-16/32, windows-125x …).
                // Only a plain name goes to iconv: no "//IGNORE"-style suffixes, no paths.
                guard !n.isEmpty, n.utf8.count <= 40,
                    n.utf8.allSatisfy({
                        ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                            || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
                    }),
                    Iconv.knows(n)
                else { return nil }
                self = .iconv([n.uppercased()])
            }
        }

        /// The text, or nil if the bytes are not valid in this charset.
        func decode(_ bytes: [UInt8]) -> String? {
            switch self {
            case .utf8:
                return String(validating: bytes, as: UTF8.self)
            case .ascii:
                guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
                return String(decoding: bytes, as: UTF8.self)
            case .latin1:
                return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            case .windows1252:
                return Iconv.decode(bytes, from: "CP1252")
            case .iso2022JP:
                // CP50221-style ISO-2022-JP as Japanese mailers write it (with half-width katakana).
                return Iconv.decode(bytes, from: "ISO-2022-JP-3") ?? Iconv.decode(bytes, from: "ISO-2022-JP")
            case .shiftJIS:
                // Mail labelled Shift_JIS is in practice Windows-31J (CP932): ①, ㈱, NEC/IBM extensions.
                return Iconv.decode(bytes, from: "CP932")
            case .eucJP:
                return Iconv.decode(bytes, from: "EUC-JP-MS") ?? Iconv.decode(bytes, from: "EUC-JP")
            case .iconv(let names):
                for name in names {
                    if let s = Iconv.decode(bytes, from: name) { return s }
                }
                return nil
            }
        }
    }
}
