// DelimitedText.swift — RFC 4180 records (CSV or TSV) with the physical line each starts on.
//
// Works on Unicode scalars, not Characters: a combining mark after a delimiter or a quote would
// otherwise join it into one grapheme and hide it. Lenient where Excel and hand-edited files
// differ from the RFC: CRLF, LF or a lone CR end a record; spaces before an opening quote are
// dropped; a '"' inside an unquoted value, or text after a closing quote, is kept literally.

struct DelimitedRecord {
    /// 1-based physical line where the record starts.
    let line: Int
    /// The cells, quotes removed and `""` resolved, not trimmed.
    let cells: [String]
    /// The record as written, without its line break (for messages about the whole row).
    let raw: String

    /// True when every cell is empty or white space: blank lines and Excel's ",,," rows.
    var isBlank: Bool { cells.allSatisfy { DelimitedText.trim($0).isEmpty } }
}

enum DelimitedText {
    struct UnterminatedQuote: Error { let line: Int }

    static func records(_ scalars: [Unicode.Scalar], delimiter: Unicode.Scalar) throws(UnterminatedQuote) -> [DelimitedRecord] {
        var records: [DelimitedRecord] = []
        let n = scalars.count
        var i = 0
        var line = 1
        // Cells are collected as UTF-8 bytes: appending scalar by scalar to a String costs
        // several times more, for every scalar of a file of thousands of rows.
        var cell = ScalarBytes()
        var raw = ScalarBytes()
        while i < n {
            let start = i, startLine = line
            var end = n
            var cells: [String] = []
            cell.removeAll()
            var cellIsSpace = true
            var cellWasQuoted = false
            var quoteLine: Int? = nil
            record: while i < n {
                let c = scalars[i]
                if quoteLine != nil {
                    if c == "\"" {
                        if i + 1 < n, scalars[i + 1] == "\"" {
                            cell.append("\"")
                            i += 2
                        } else {
                            quoteLine = nil
                            i += 1
                        }
                        continue
                    }
                    if c == "\n" || (c == "\r" && (i + 1 >= n || scalars[i + 1] != "\n")) { line += 1 }
                    cell.append(c)
                    i += 1
                    continue
                }
                switch c {
                case delimiter:
                    cells.append(cell.string)
                    cell.removeAll()
                    cellIsSpace = true
                    cellWasQuoted = false
                    i += 1
                case "\"" where !cellWasQuoted && cellIsSpace:
                    cell.removeAll()
                    cellWasQuoted = true
                    quoteLine = line
                    i += 1
                case "\r", "\n":
                    end = i
                    i += (c == "\r" && i + 1 < n && scalars[i + 1] == "\n") ? 2 : 1
                    line += 1
                    break record
                default:
                    cell.append(c)
                    if cellIsSpace && !isSpace(c) { cellIsSpace = false }
                    i += 1
                }
            }
            if let quoteLine { throw UnterminatedQuote(line: quoteLine) }
            cells.append(cell.string)
            raw.removeAll()
            for c in scalars[start..<end] { raw.append(c) }
            records.append(DelimitedRecord(line: startLine, cells: cells, raw: raw.string))
        }
        return records
    }

    /// Text built scalar by scalar, kept as UTF-8.
    struct ScalarBytes {
        private var bytes: [UInt8] = []

        mutating func append(_ scalar: Unicode.Scalar) {
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else {
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            }
        }

        mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The physical lines with their 1-based numbers (CRLF, LF or a lone CR end a line).
    static func lines(_ scalars: [Unicode.Scalar]) -> [(line: Int, text: String)] {
        var result: [(line: Int, text: String)] = []
        var current = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "\r" || c == "\n" {
                result.append((result.count + 1, String(current)))
                current = String.UnicodeScalarView()
                i += (c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n") ? 2 : 1
            } else {
                current.append(c)
                i += 1
            }
        }
        if !current.isEmpty { result.append((result.count + 1, String(current))) }
        return result
    }

    /// The first of `lines(scalars)` that is not blank, without splitting the rest of the file
    /// (the shape of a file is decided by its first line; a file has thousands).
    static func firstNonBlankLine(_ scalars: [Unicode.Scalar]) -> String? {
        var current = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "\r" || c == "\n" {
                let text = String(current)
                if !trim(text).isEmpty { return text }
                current = String.UnicodeScalarView()
                i += (c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n") ? 2 : 1
            } else {
                current.append(c)
                i += 1
            }
        }
        let text = String(current)
        return trim(text).isEmpty ? nil : text
    }

    /// Removes white space (ASCII, full-width U+3000, no-break and other Unicode spaces, line
    /// breaks) from both ends: spaces around a value are never meant to be mailed.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        // Most cells have nothing to trim: the same string, not a copy.
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    /// Unicode White_Space, or a byte order mark. ASCII is answered without the property
    /// tables (U+0009…U+000D and U+0020 are its only white space): a cell is trimmed from both
    /// ends, every cell of every row, so this is asked several times per cell.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value == 0x20 || (s.value >= 0x09 && s.value <= 0x0D) }
        return s.properties.isWhitespace || s == "\u{FEFF}"
    }
}
