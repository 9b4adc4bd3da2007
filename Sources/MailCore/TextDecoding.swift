// TextDecoding.swift — text in a charset, never failing.

enum TextDecoding {
    /// `bytes` as text in the named charset, never failing (see `read`).
    static func text(_ bytes: [UInt8], charset: String?) -> String {
        read(bytes, charset: charset).text
    }

    /// `bytes` as text in the named charset, never failing, and a sentence when the text is not
    /// simply the bytes in that charset: the charsets `EncodedWordDecoder.Charset` knows (its
    /// aliases, and any name glibc's iconv converts). When the label is unknown or the bytes are
    /// not valid in it: UTF-8; then the Japanese charsets; failing all that, line by line (a
    /// line nothing reads is shown as ISO-8859-1), so a few bad lines do not cost the rest. The
    /// note says which of these happened, so nothing is guessed silently.
    static func read(_ bytes: [UInt8], charset: String?) -> (text: String, note: String?) {
        let label = charset.map { $0.trimming(" \t\"'") } ?? ""
        let known = label.isEmpty ? nil : EncodedWordDecoder.Charset(name: label)
        func labelled(_ b: [UInt8]) -> String? {
            if let known { return decode(b, known) }
            return nil
        }
        if let s = labelled(bytes) { return (s, nil) }
        let problem =
            label.isEmpty
            ? "no charset is named"
            : known == nil ? "charset \"\(label)\" is unknown" : "the text is not valid \(label)"
        let isASCIILabel = known == .ascii
        if !bytes.contains(0x1B), let s = String(validating: bytes, as: UTF8.self) {
            // Unlabelled or US-ASCII-labelled UTF-8 is what most mailers mean: no note.
            return (s, label.isEmpty || isASCIILabel ? nil : "\(problem); read as UTF-8")
        }
        if known == nil || isASCIILabel, let s = guessJapanese(bytes) {
            return (s, "\(problem); read as Japanese (\(bytes.contains(0x1B) ? "ISO-2022-JP" : "Shift_JIS or EUC-JP"))")
        }
        var out = ""
        var start = 0
        var unreadLines = 0
        var lineNumber = 0
        var firstUnread = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != MIMEBytes.lf { end += 1 }
            if end < bytes.count { end += 1 }
            let line = Array(bytes[start..<end])
            lineNumber += 1
            if let s = labelled(line) {
                out += s
            } else {
                let (s, exact) = guessNoting(line)
                out += s
                if !exact {
                    unreadLines += 1
                    if firstUnread == 0 { firstUnread = lineNumber }
                }
            }
            start = end
        }
        let lines = unreadLines == 1 ? "line \(firstUnread)" : "\(unreadLines) lines from line \(firstUnread)"
        return (out, unreadLines == 0 ? "\(problem); read line by line" : "\(problem); \(lines) could not be read and are shown as ISO-8859-1")
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
        guessNoting(bytes).text
    }

    /// `guess`, and whether the text came from a charset the bytes are valid in (false: the
    /// ISO-8859-1 fallback, which takes any bytes).
    static func guessNoting(_ bytes: [UInt8]) -> (text: String, exact: Bool) {
        if !bytes.contains(0x1B), let s = String(validating: bytes, as: UTF8.self) { return (s, true) }
        if let s = guessJapanese(bytes) { return (s, true) }
        if let s = String(validating: bytes, as: UTF8.self) { return (s, true) }
        return (EncodedWordDecoder.Charset.latin1.decode(bytes) ?? String(decoding: bytes, as: UTF8.self), false)
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
                case (UInt8(ascii: "$"), UInt8(ascii: "("))
                where i + 3 < n
                    && (bytes[i + 3] == UInt8(ascii: "Q") || bytes[i + 3] == UInt8(ascii: "O") || bytes[i + 3] == UInt8(ascii: "B")):
                    mode = .jis
                    i += 4
                default:
                    return nil
                }
                continue
            }
            switch c {
            case 0x0E:
                mode = .kana
                i += 1
                continue // SO
            case 0x0F:
                mode = .ascii
                i += 1
                continue // SI
            case MIMEBytes.cr, MIMEBytes.lf:
                sjis.append(c)
                i += 1
                continue
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
