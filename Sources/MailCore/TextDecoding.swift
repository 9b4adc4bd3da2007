// TextDecoding.swift — text in a charset, never failing.

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
        let iconvLabel =
            known == nil && !label.isEmpty && label.utf8.count <= 40
                && label.utf8.allSatisfy({
                    QuotedPrintable.hexValue($0) != nil || HTMLText.isNameByte($0)
                        || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
                })
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
