#if canImport(Glibc)
    import Glibc
#endif

/// The character encodings text attachments are decoded from. Japanese offices still write
/// Shift_JIS (Windows' CP932) CSV files, and Excel's "Unicode text" is UTF-16.
enum TextEncoding: Equatable {
    case utf8, utf8BOM, utf16LE, utf16BE, shiftJIS, eucJP, latin1

    /// The name shown to people.
    var label: String {
        switch self {
        case .utf8: return "UTF-8"
        case .utf8BOM: return "UTF-8 (BOM)"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        case .shiftJIS: return "Shift_JIS (CP932)"
        case .eucJP: return "EUC-JP"
        case .latin1: return "ISO-8859-1"
        }
    }

    /// Bytes per code unit.
    var unitWidth: Int {
        switch self {
        case .utf16LE, .utf16BE: return 2
        default: return 1
        }
    }

    /// Bytes of byte-order mark at the start of the file.
    var bomLength: Int {
        switch self {
        case .utf8BOM: return 3
        case .utf16LE, .utf16BE: return 2
        default: return 0
        }
    }
}

enum TextSniffer {
    /// The encoding of a file from its first bytes, or nil when they do not look like text.
    /// `truncated`: the file goes on after `head` (a character may be cut at the end).
    /// `trustMagic`: libmagic already said it is text, so an 8-bit encoding is the fallback
    /// rather than "binary".
    static func encoding(of head: [UInt8], truncated: Bool, trustMagic: Bool) -> TextEncoding? {
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8BOM }
        if head.starts(with: [0xFF, 0xFE]) { return .utf16LE }
        if head.starts(with: [0xFE, 0xFF]) { return .utf16BE }
        if head.contains(0) { return nil }
        if isUTF8(head, truncated: truncated) { return .utf8 }
        let sjis = multibyteCount(head, truncated: truncated, shiftJIS: true)
        let euc = multibyteCount(head, truncated: truncated, shiftJIS: false)
        // EUC-JP bytes usually also parse as Shift_JIS (half-width katakana), but Shift_JIS
        // hiragana (0x82 0x9F…) is never valid EUC-JP: when both parse, it is EUC-JP.
        if let euc, euc > 0 { return .eucJP }
        if let sjis, sjis > 0 { return .shiftJIS }
        return trustMagic ? .latin1 : nil
    }

    /// Whether `bytes` are UTF-8, allowing a character cut off at the end when `truncated`.
    static func isUTF8(_ bytes: [UInt8], truncated: Bool) -> Bool {
        let end = truncated ? bytes.count - incompleteUTF8Tail(bytes) : bytes.count
        return String(validating: bytes[..<end], as: UTF8.self) != nil
    }

    /// How many bytes at the end start a UTF-8 sequence that is not complete (0 to 3).
    static func incompleteUTF8Tail(_ bytes: [UInt8]) -> Int {
        var back = 1
        while back <= min(3, bytes.count) {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 != 0x80 {
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return length > back ? back : 0
            }
            back += 1
        }
        return 0
    }

    /// The number of two-byte characters when every byte fits the encoding's structure;
    /// nil when one does not.
    static func multibyteCount(_ bytes: [UInt8], truncated: Bool, shiftJIS: Bool) -> Int? {
        var count = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            if shiftJIS {
                if (0xA1...0xDF).contains(b) {
                    i += 1
                    continue
                } // half-width katakana
                guard (0x81...0x9F).contains(b) || (0xE0...0xFC).contains(b) else { return nil }
                guard i + 1 < bytes.count else { return truncated ? count : nil }
                let t = bytes[i + 1]
                guard (0x40...0x7E).contains(t) || (0x80...0xFC).contains(t) else { return nil }
                i += 2
            } else {
                let length = b == 0x8F ? 3 : 2
                guard b == 0x8E || b == 0x8F || (0xA1...0xFE).contains(b) else { return nil }
                guard i + length <= bytes.count else { return truncated ? count : nil }
                for k in 1..<length {
                    let t = bytes[i + k]
                    let ok = b == 0x8E ? (0xA1...0xDF).contains(t) : (0xA1...0xFE).contains(t)
                    guard ok else { return nil }
                }
                i += length
            }
            count += 1
        }
        return count
    }

    /// The text of `head` in `encoding`, without its byte-order mark. Bytes that do not decode
    /// become U+FFFD; a character cut off at the end (`truncated`) is dropped.
    static func decode(_ head: [UInt8], as encoding: TextEncoding, truncated: Bool) -> String {
        let body = head.dropFirst(encoding.bomLength)
        switch encoding {
        case .utf8, .utf8BOM:
            let bytes = Array(body)
            let end = truncated ? bytes.count - incompleteUTF8Tail(bytes) : bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        case .latin1:
            var scalars = String.UnicodeScalarView()
            for byte in body { scalars.append(Unicode.Scalar(byte)) }
            return String(scalars)
        case .utf16LE:
            return IconvDecoder.decode(body, from: "UTF-16LE") ?? ""
        case .utf16BE:
            return IconvDecoder.decode(body, from: "UTF-16BE") ?? ""
        case .shiftJIS:
            return IconvDecoder.decode(body, from: "CP932") ?? ""
        case .eucJP:
            return IconvDecoder.decode(body, from: "EUC-JP") ?? ""
        }
    }
}

/// glibc's iconv to UTF-8, forgiving: a byte that is not valid becomes U+FFFD and decoding
/// goes on; an incomplete character at the end is dropped.
enum IconvDecoder {
    static func decode<Bytes: Collection>(_ bytes: Bytes, from charset: String) -> String? where Bytes.Element == UInt8 {
        let converter = iconv_open("UTF-8", charset)
        guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = Array(bytes)
        var result: [UInt8] = []
        result.reserveCapacity(input.count * 3 / 2 + 16)
        var chunk = [UInt8](repeating: 0, count: max(4096, min(input.count * 3 + 16, 1 << 20)))
        input.withUnsafeMutableBufferPointer { inBuffer in
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var inLeft = inBuffer.count
            while inLeft > 0 {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuffer.count
                    let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (status == -1 ? errno : 0, outBuffer.count - outLeft)
                }
                result += chunk[0..<produced]
                switch code {
                case 0, E2BIG:
                    continue
                case EILSEQ:
                    result += [0xEF, 0xBF, 0xBD]
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                default:
                    // EINVAL: an incomplete character at the end.
                    inLeft = 0
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// Lines, and CSV records and fields, counted over a whole file as it streams past, in any of
/// the encodings above: in all of them the bytes (or UTF-16 units) of CR, LF, quote, comma and
/// tab never occur inside another character.
struct TextCounter {
    let encoding: TextEncoding
    /// The field separator when counting CSV/TSV records; nil for plain text.
    let delimiter: UInt32?

    private var skip: Int
    private var oddByte: UInt8?
    private var any = false
    private var lastUnit: UInt32 = 0
    private var breaks = 0
    private var afterCR = false
    // CSV state
    private var inQuotes = false
    private var quoteInQuotes = false
    private var fields = 0
    private var recordHasContent = false
    private(set) var rows = 0
    private(set) var columns = 0
    /// The bytes that change the counts (CR, LF; for CSV also the quote and the delimiter), for
    /// the single-byte-unit encodings: runs of other bytes are taken at once. Nil: every byte is
    /// looked at on its own (UTF-16, a delimiter outside ASCII, or `runs` turned off).
    private var special: [Bool]?
    /// False: one byte at a time, as the reference the run-skipping is tested against.
    var runs = true {
        didSet { if !runs { special = nil } }
    }

    init(encoding: TextEncoding, delimiter: UInt32?) {
        self.encoding = encoding
        self.delimiter = delimiter
        skip = encoding.bomLength
        // In UTF-8, Shift_JIS, EUC-JP and Latin-1 these ASCII bytes are never part of a
        // multi-byte character (Shift_JIS trail bytes start at 0x40), so they can be found alone.
        if encoding != .utf16LE && encoding != .utf16BE && (delimiter ?? 0) < 0x80 {
            var table = [Bool](repeating: false, count: 256)
            for byte in [10, 13] + (delimiter.map { [34, Int($0)] } ?? []) { table[byte] = true }
            special = table
        }
    }

    /// Lines in the file: line breaks (CRLF, LF or CR), plus an unterminated last line.
    var lineCount: Int {
        breaks + (any && lastUnit != 10 && lastUnit != 13 ? 1 : 0)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while skip > 0 && index < bytes.count {
            skip -= 1
            index += 1
        }
        switch encoding {
        case .utf16LE, .utf16BE:
            let bigEndian = encoding == .utf16BE
            if let first = oddByte, index < bytes.count {
                unit(pair(first, bytes[index], bigEndian))
                oddByte = nil
                index += 1
            }
            while index + 1 < bytes.count {
                unit(pair(bytes[index], bytes[index + 1], bigEndian))
                index += 2
            }
            if index < bytes.count { oddByte = bytes[index] }
        default:
            if let special {
                special.withUnsafeBufferPointer { special in
                    let count = bytes.count
                    while index < count {
                        let start = index
                        while index < count && !special[Int(bytes[index])] { index += 1 }
                        if index > start { plainRun(last: bytes[index - 1]) }
                        if index < count {
                            unit(UInt32(bytes[index]))
                            index += 1
                        }
                    }
                }
            } else {
                while index < bytes.count {
                    unit(UInt32(bytes[index]))
                    index += 1
                }
            }
        }
    }

    /// A run of bytes none of which is special, ending with `last`: what `unit` does for each of
    /// them, at once.
    @inline(__always)
    private mutating func plainRun(last: UInt8) {
        any = true
        lastUnit = UInt32(last)
        afterCR = false
        guard delimiter != nil else { return }
        if inQuotes {
            // Right after a quote inside quotes, any other byte closes the field's quotes.
            if quoteInQuotes {
                quoteInQuotes = false
                inQuotes = false
                recordHasContent = true
            }
        } else {
            recordHasContent = true
        }
    }

    private func pair(_ a: UInt8, _ b: UInt8, _ bigEndian: Bool) -> UInt32 {
        bigEndian ? UInt32(a) << 8 | UInt32(b) : UInt32(b) << 8 | UInt32(a)
    }

    @inline(__always)
    private mutating func unit(_ u: UInt32) {
        any = true
        lastUnit = u
        if u == 13 {
            breaks += 1
        } else if u == 10 {
            if !afterCR { breaks += 1 }
        }
        if let delimiter { csvUnit(u, delimiter) }
        afterCR = u == 13
    }

    @inline(__always)
    private mutating func csvUnit(_ u: UInt32, _ delimiter: UInt32) {
        if inQuotes {
            if quoteInQuotes {
                quoteInQuotes = false
                if u == 34 { return } // "" is a quote inside the field
                inQuotes = false // the field's closing quote: read u as outside quotes
            } else {
                if u == 34 { quoteInQuotes = true }
                return
            }
        }
        switch u {
        case 34:
            inQuotes = true
            recordHasContent = true
        case delimiter:
            fields += 1
            recordHasContent = true
        case 13:
            endRecord()
        case 10:
            if !afterCR { endRecord() }
        default:
            recordHasContent = true
        }
    }

    private mutating func endRecord() {
        if recordHasContent {
            rows += 1
            columns = max(columns, fields + 1)
        }
        fields = 0
        recordHasContent = false
    }

    /// Ends the last record (a file need not end with a line break, or may end inside quotes).
    mutating func finish() {
        inQuotes = false
        quoteInQuotes = false
        endRecord()
    }
}

enum TextPreviewer {
    static let maxLines = 8
    static let maxCharacters = 200

    /// The first lines of `text`, each cut to 200 characters.
    static func firstLines(of text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var length = 0
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(cut(current))
                if lines.count == maxLines { return lines }
                current = String.UnicodeScalarView()
                length = 0
                continue
            }
            if length < maxCharacters * 4 {
                current.append(scalar)
                length += 1
            }
        }
        if !current.isEmpty { lines.append(cut(current)) }
        return lines
    }

    /// The first records of CSV/TSV `text`: one line each, a line break inside a quoted field
    /// shown as ⏎; each cut to 200 characters.
    static func firstRecords(of text: String) -> [String] {
        var records: [String] = []
        var current = String.UnicodeScalarView()
        var length = 0
        var inQuotes = false
        var previousCR = false
        var hasContent = false
        func append(_ scalar: Unicode.Scalar) {
            if length < maxCharacters * 4 {
                current.append(scalar)
                length += 1
            }
            hasContent = true
        }
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            if scalar == "\n" && previousCR { continue }
            if scalar == "\"" {
                inQuotes.toggle()
                append(scalar)
                continue
            }
            if scalar == "\n" || scalar == "\r" {
                if inQuotes {
                    append("⏎")
                    continue
                }
                if hasContent { records.append(cut(current)) }
                if records.count == maxLines { return records }
                current = String.UnicodeScalarView()
                length = 0
                hasContent = false
                continue
            }
            append(scalar)
        }
        if hasContent { records.append(cut(current)) }
        return records
    }

    /// The separator of a table: tab for TSV, otherwise what the first record uses most
    /// (comma, tab, then semicolon as in European Excel exports).
    static func delimiter(of text: String, tabSeparated: Bool) -> UInt32 {
        if tabSeparated { return 9 }
        var commas = 0, tabs = 0, semicolons = 0
        var inQuotes = false
        scan: for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": inQuotes.toggle()
            case "," where !inQuotes: commas += 1
            case "\t" where !inQuotes: tabs += 1
            case ";" where !inQuotes: semicolons += 1
            case "\n" where !inQuotes, "\r" where !inQuotes:
                if commas + tabs + semicolons > 0 { break scan }
            default: break
            }
        }
        if tabs > commas { return 9 }
        if commas == 0 && semicolons > 0 { return 59 }
        return 44
    }

    private static func cut(_ scalars: String.UnicodeScalarView) -> String {
        String(String(scalars).prefix(maxCharacters))
    }
}
