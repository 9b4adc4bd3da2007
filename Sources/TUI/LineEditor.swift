// A one-line text field: To, Cc, Bcc, Subject and prompts.

/// A one-line field. The cursor counts grapheme clusters (`Character`s), so one Backspace deletes
/// one whole user-perceived character, however many scalars it is made of.
public struct LineEditor: Equatable, Sendable {
    public private(set) var text: String
    /// 0...text.count, in Characters.
    public private(set) var cursor: Int

    /// `cursor` nil puts the cursor at the end; other values are clamped. The text is kept as
    /// given (control characters are drawn as U+FFFD by `viewport`).
    public init(_ text: String = "", cursor: Int? = nil) {
        self.text = text
        let count = text.count
        self.cursor = min(max(cursor ?? count, 0), count)
    }

    // MARK: - Editing

    /// Inserts typed or pasted text at the cursor. CR, LF, CRLF and tabs become single spaces.
    public mutating func insert(_ text: String) {
        let clean = Self.singleLine(text)
        guard !clean.isEmpty else { return }
        cursor = TextOps.replace(&self.text, characters: cursor..<cursor, with: clean)
    }

    /// Deletes the whole grapheme cluster before the cursor.
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        cursor = TextOps.replace(&text, characters: (cursor - 1)..<cursor, with: "")
    }

    /// Deletes the whole grapheme cluster after the cursor.
    public mutating func deleteForward() {
        guard cursor < text.count else { return }
        cursor = TextOps.replace(&text, characters: cursor..<(cursor + 1), with: "")
    }

    public mutating func moveLeft() { if cursor > 0 { cursor -= 1 } }
    public mutating func moveRight() { if cursor < text.count { cursor += 1 } }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = text.count }

    /// Ctrl-K: deletes from the cursor to the end.
    public mutating func deleteToEnd() {
        let count = text.count
        guard cursor < count else { return }
        cursor = TextOps.replace(&text, characters: cursor..<count, with: "")
    }

    /// Ctrl-U: deletes from the start to the cursor.
    public mutating func deleteToStart() {
        guard cursor > 0 else { return }
        cursor = TextOps.replace(&text, characters: 0..<cursor, with: "")
    }

    /// Ctrl-W: deletes the whitespace before the cursor, then the non-whitespace before that.
    /// Japanese text without spaces is deleted back to the previous space (ASCII or U+3000) or
    /// the start.
    public mutating func deleteWordBackward() {
        guard cursor > 0 else { return }
        let chars = Array(text.prefix(cursor))
        var start = chars.count
        while start > 0 && chars[start - 1].isWhitespace { start -= 1 }
        while start > 0 && !chars[start - 1].isWhitespace { start -= 1 }
        cursor = TextOps.replace(&text, characters: start..<cursor, with: "")
    }

    // MARK: - Display

    /// What to draw in `width` columns and the cursor's column within it (0..<width).
    ///
    /// Without scrolling when everything fits; otherwise the view jumps horizontally by half the
    /// width so the cursor stays at least a small margin away from the right edge (and, when
    /// scrolled, away from the left edge). Wide characters are never cut in half: one straddling
    /// the left edge is skipped, one that does not fit at the right edge is left out. Control
    /// characters are drawn as U+FFFD (a tab as a space), one column each.
    public func viewport(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 0 else { return ("", 0) }
        return simpleViewport(width: width) ?? viewportByCharacters(width: width)
    }

    /// `viewportByCharacters` for a text whose every scalar is printable ASCII or one of the
    /// scripts of a Japanese mail (`simpleScalar`), from its UTF-8 bytes: without an array of all
    /// its characters and their widths, which a To field of 5,000 recipients (with Japanese names)
    /// made on every frame. Each such scalar is a character of its own (none combines with a
    /// neighbour), so the cursor counts scalars. Nil for any other text.
    func simpleViewport(width: Int) -> (text: String, cursorColumn: Int)? {
        let answer = text.utf8.withContiguousStorageIfAvailable { bytes -> (text: String, cursorColumn: Int)? in
            let n = bytes.count
            var i = 0
            var characters = 0
            var column = 0
            var cursorColumn = 0
            while i < n {
                if characters == cursor { cursorColumn = column }
                guard let (columns, length) = Self.simpleScalar(bytes, at: i) else { return nil }
                column += columns
                i += length
                characters += 1
            }
            if cursor >= characters { cursorColumn = column }
            let total = column
            let margin = min(2, (width - 1) / 4)
            let limit = width - 1 - margin
            var start = 0
            if max(total, cursorColumn + 1) > width && cursorColumn > limit {
                let step = max(1, width / 2)
                start = (cursorColumn - limit + step - 1) / step * step
            }
            // The first character that starts at or after `start`, then what fits in `width`.
            i = 0
            column = 0
            while i < n && column < start {
                let (columns, length) = Self.simpleScalar(bytes, at: i)!
                column += columns
                i += length
            }
            let first = i
            var used = 0
            while i < n {
                let (columns, length) = Self.simpleScalar(bytes, at: i)!
                if used + columns > width { break }
                used += columns
                i += length
            }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<i]), as: UTF8.self), cursorColumn - column)
        }
        return answer ?? nil
    }

    /// The display width and UTF-8 length of the scalar at `i` when it is printable ASCII (one
    /// column) or CJK punctuation (U+3000–3029), kana (U+3041–3096, U+30A0–30FF), a CJK ideograph
    /// (U+4E00–9FFF) or a full-width form (U+FF01–FF60, U+FFE0–FFE6) (two columns), or half-width
    /// katakana without its voicing marks (U+FF61–FF9D, one column), as `DisplayWidth.of` gives
    /// them: scalars that never join a neighbour into one character. Nil for anything else.
    static func simpleScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (columns: Int, length: Int)? {
        let b = bytes[i]
        if b < 0x80 { return b >= 0x20 && b < 0x7F ? (1, 1) : nil }
        guard b >= 0xE0 && b < 0xF0, i + 2 < bytes.count else { return nil }
        let b1 = bytes[i + 1]
        let b2 = bytes[i + 2]
        guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return nil }
        let v = UInt32(b & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
        switch v {
        case 0x3000...0x3029, 0x3041...0x3096, 0x30A0...0x30FF, 0x4E00...0x9FFF, 0xFF01...0xFF60, 0xFFE0...0xFFE6: return (2, 3)
        case 0xFF61...0xFF9D: return (1, 3)
        default: return nil
        }
    }

    /// The viewport worked out character by character (any text).
    func viewportByCharacters(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 0 else { return ("", 0) }
        let chars = Array(text)
        let widths = chars.map(DisplayWidth.of)
        var cursorColumn = 0
        for i in 0..<cursor { cursorColumn += widths[i] }
        let total = widths.reduce(0, +)
        let margin = min(2, (width - 1) / 4)
        let limit = width - 1 - margin // rightmost cursor column when scrolled
        var start = 0
        if max(total, cursorColumn + 1) > width && cursorColumn > limit {
            let step = max(1, width / 2)
            start = (cursorColumn - limit + step - 1) / step * step
        }
        // Skip to the first character that starts at or after `start`.
        var column = 0
        var i = 0
        while i < chars.count && column < start {
            column += widths[i]
            i += 1
        }
        let startColumn = column
        var out = ""
        var used = 0
        while i < chars.count && used + widths[i] <= width {
            if DisplayWidth.isControl(chars[i]) {
                out.append(chars[i] == "\t" ? " " : "\u{FFFD}")
            } else {
                out.append(chars[i])
            }
            used += widths[i]
            i += 1
        }
        return (out, cursorColumn - startColumn)
    }

    // MARK: - Pasting

    /// Pasted text for a one-line field: its lines (and tab-separated cells) joined by
    /// `separator`, blank ones and the blanks around each dropped. "件名\n" gives "件名".
    public static func joinPastedLines(_ text: String, separator: String) -> String {
        guard hasBreak(text) else { return text }
        return pastedPieces(text).filter { !$0.isEmpty }.joined(separator: separator)
    }

    /// Pasted text for an address field: a column of addresses copied from a spreadsheet, a
    /// list one a line, or cells separated by tabs become one list, each line or cell an entry,
    /// joined by ", " (a piece already ending in ',' gets a space only). A line break at the
    /// start or end of the paste separates it from the text `before` and `after` the cursor the
    /// same way. A paste without line breaks or tabs is inserted as it is.
    /// Each line is read by `PasteSplitter` (a spreadsheet row `名前⇥address` is one entry,
    /// Outlook's `a; b` two).
    public static func addressPaste(_ text: String, before: String, after: String) -> String {
        guard hasBreak(text) || PasteSplitter.needsSplitting(text) else { return text }
        let lines = pastedLines(text)
        let pieces = lines.enumerated().flatMap { index, line -> [String] in
            // An empty first or last line says "separate from the text around"; keep it.
            if line.isEmpty { return index == 0 || index == lines.count - 1 ? [""] : [] }
            return PasteSplitter.entries(line)
        }
        let entries = pieces.filter { !$0.isEmpty }
        guard !entries.isEmpty else { return before.trimmingBlanks.isEmpty || after.trimmingBlanks.isEmpty ? "" : ", " }
        var out = ""
        for entry in entries {
            if !out.isEmpty { out += out.hasSuffix(",") ? " " : ", " }
            out += entry
        }
        let head = before.trimmingBlanks, tail = after.trimmingBlanks
        if pieces.first == "" && !head.isEmpty && !head.hasSuffix(",") { out = ", " + out }
        if pieces.last == "" && !tail.isEmpty && !tail.hasPrefix(",") && !out.hasSuffix(",") { out += ", " }
        return out
    }

    static func hasBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }

    /// The text cut at every CR, LF and tab, each piece without the blanks around it. A text
    /// that starts (ends) with a break has an empty first (last) piece.
    static func pastedPieces(_ text: String) -> [String] {
        text.unicodeScalars.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\t" }
            .map { String(Substring($0)).trimmingBlanks }
            .reduce(into: [String]()) { pieces, piece in
                // CR LF and runs of breaks are one break: keep one empty piece for them only at
                // the ends, where it says "separate from the text around".
                if piece.isEmpty, let last = pieces.last, last.isEmpty { return }
                pieces.append(piece)
            }
    }

    /// The text cut at every CR and LF, each line without the blanks around it; CR LF and
    /// runs of breaks are one break (an empty line is kept only at the ends).
    static func pastedLines(_ text: String) -> [String] {
        text.unicodeScalars.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" }
            .map { String(Substring($0)).trimmingBlanks }
            .reduce(into: [String]()) { lines, line in
                if line.isEmpty, let last = lines.last, last.isEmpty { return }
                lines.append(line)
            }
    }

    // MARK: - Helpers

    /// CR LF, CR, LF and tab each become one space.
    static func singleLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return text }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                out.append(" ")
                previousCR = true
                continue
            case "\n":
                if !previousCR { out.append(" ") }
            case "\t":
                out.append(" ")
            default:
                out.append(scalar)
            }
            previousCR = false
        }
        return String(out)
    }
}

/// String surgery shared by the editors, in Character offsets.
enum TextOps {
    /// Replaces the Characters in `range` with `replacement` and returns the cursor column just
    /// after the inserted text. If the edit makes clusters merge (a combining mark typed after its
    /// base, two regional indicators becoming a flag, a line join), the cursor ends after the
    /// merged cluster.
    static func replace(_ string: inout String, characters range: Range<Int>, with replacement: some StringProtocol) -> Int {
        let lower = string.index(string.startIndex, offsetBy: range.lowerBound)
        let upper = string.index(lower, offsetBy: range.count)
        // The boundary one Character before the edit stays a boundary whatever is inserted.
        let anchorColumn = max(0, range.lowerBound - 1)
        let anchor = range.lowerBound > 0 ? string.index(before: lower) : lower
        let anchorOffset = string.utf8.distance(from: string.startIndex, to: anchor)
        let end = string.utf8.distance(from: string.startIndex, to: lower) + replacement.utf8.count
        string.replaceSubrange(lower..<upper, with: replacement)
        return anchorColumn + charactersStarting(in: string, fromUTF8: anchorOffset, before: end)
    }

    /// The number of Characters of `string` starting at or after the boundary at UTF-8 offset
    /// `from` and before UTF-8 offset `end`.
    static func charactersStarting(in string: String, fromUTF8 from: Int, before end: Int) -> Int {
        let utf8 = string.utf8
        var index = utf8.index(utf8.startIndex, offsetBy: from)
        var offset = from
        var count = 0
        while index < string.endIndex && offset < end {
            count += 1
            let next = string.index(after: index)
            offset += utf8.distance(from: index, to: next)
            index = next
        }
        return count
    }
}

extension String {
    /// Without the ASCII spaces (and stray tabs) around it; other white space (U+3000) is text
    /// the address parser explains.
    var trimmingBlanks: String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return String(s)
    }
}
