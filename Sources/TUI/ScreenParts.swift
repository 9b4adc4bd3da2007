// Small drawing helpers shared by the hold and outbox screens: runs of text in a role, lines
// cut to a width with an ellipsis, word wrapping, the key legend and the "too small" message.
// Everything measures in display columns, so double-width text is never cut in half.

/// A run of text drawn in one role.
struct Span: Equatable, Sendable {
    var text: String
    var role: Role

    init(_ text: String, _ role: Role) {
        self.text = text
        self.role = role
    }

    var width: Int { DisplayWidth.of(text) }
}

enum ScreenParts {
    /// `text` cut to `columns`, ending in "…" when something was left out. Never splits a
    /// grapheme cluster or a double-width character.
    static func fit(_ text: String, _ columns: Int) -> String {
        guard columns > 0 else { return "" }
        if DisplayWidth.of(text) <= columns { return text }
        return String(DisplayWidth.prefix(text, fitting: columns - 1).text) + "…"
    }

    /// Draws spans one after the other from (row, column), in at most `limit` columns; when they
    /// do not all fit, the last shown span ends in "…". Returns the columns written.
    @discardableResult
    static func put(_ spans: [Span], into grid: inout Grid, row: Int, column: Int, limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        let total = spans.reduce(0) { $0 + $1.width }
        var x = column
        if total <= limit {
            for span in spans { x += grid.put(span.text, row: row, column: x, role: span.role) }
            return x - column
        }
        var remaining = limit - 1
        for span in spans {
            let w = span.width
            if w <= remaining {
                x += grid.put(span.text, row: row, column: x, role: span.role)
                remaining -= w
                continue
            }
            let part = DisplayWidth.prefix(span.text, fitting: remaining)
            x += grid.put(part.text, row: row, column: x, role: span.role)
            x += grid.put("…", row: row, column: x, role: span.role)
            break
        }
        return x - column
    }

    /// Word wrap to `width` columns: breaks at spaces, and inside a word (Japanese text has no
    /// spaces) only when the word alone is wider than a line.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        for piece in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = piece
            var w = DisplayWidth.of(word)
            let separator = line.isEmpty ? 0 : 1
            if lineWidth + separator + w <= width {
                if separator == 1 { line += " " }
                line += word
                lineWidth += separator + w
                continue
            }
            if !line.isEmpty {
                lines.append(line)
                line = ""
                lineWidth = 0
            }
            while w > width {
                let part = DisplayWidth.prefix(word, fitting: width)
                // A line narrower than one wide character: nothing more can be shown.
                if part.text.isEmpty { return lines }
                lines.append(String(part.text))
                word = word.dropFirst(part.text.count)
                w -= part.width
            }
            line = String(word)
            lineWidth = w
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Legend entries ("u Undo") packed into rows of at most `width` columns: in table order
    /// when they fit on one row; otherwise each goes on the first row with room for it, so a
    /// long entry does not leave a short one alone on a row.
    static func legendRows(_ entries: [(key: String, label: String)], width: Int) -> [[(key: String, label: String)]] {
        var rows: [[(key: String, label: String)]] = []
        var used: [Int] = []
        for entry in entries {
            let w = DisplayWidth.of(entry.key) + DisplayWidth.of(entry.label) + 3
            if let index = used.firstIndex(where: { $0 + w <= width }) {
                rows[index].append(entry)
                used[index] += w
            } else {
                rows.append([entry])
                used.append(1 + w)
            }
        }
        return rows
    }

    /// Draws legend rows from `top` down: keys in `legendKey`, labels in `legend`.
    static func drawLegend(_ rows: [[(key: String, label: String)]], into grid: inout Grid, top: Int) {
        for (index, row) in rows.enumerated() {
            var x = 1
            for (key, label) in row {
                x += grid.put(key, row: top + index, column: x, role: .legendKey)
                x += grid.put(" \(label)  ", row: top + index, column: x, role: .legend)
            }
        }
    }

    /// The usual "terminal too small (needs W×H)" screen, for a screen with its own minimum.
    /// Wrapped over lines when narrow, so the size needed always shows (down to 6 columns):
    /// the whole sentence if it fits, else "needs W×H", else "W×H".
    static func tooSmall(width: Int, height: Int, minimumWidth: Int, minimumHeight: Int) -> Grid {
        var grid = Grid(width: width, height: height)
        let size = "\(minimumWidth)×\(minimumHeight)"
        let candidates = ["terminal too small (needs \(size))", "needs \(size)", size]
        let lines =
            candidates.lazy.map { wrap($0, width: width) }.first { $0.count <= height && !$0.isEmpty }
            ?? [fit(size, width)]
        let top = max(0, min(height - lines.count, height / 2 - (lines.count - 1) / 2))
        for (index, line) in lines.enumerated() {
            grid.put(line, row: top + index, column: max(0, (width - DisplayWidth.of(line)) / 2), role: .warning)
        }
        return grid
    }
}

extension ScreenParts {
    /// Spans wrapped to lines of at most `width` columns, keeping each character's role. Breaks
    /// after a space, or next to a double-width character (Japanese text has no spaces) but not
    /// before closing punctuation (、。」）…) nor after an opening one (「（…); a word wider than
    /// a line is cut between characters. Continuation lines start with `indent` spaces. Never
    /// splits a grapheme cluster or a double-width character, and loses no text: every character
    /// but the spaces at a break is on some line.
    static func wrap(_ spans: [Span], width: Int, indent: Int) -> [[Span]] {
        guard width > 0 else { return [] }
        let indent = min(indent, max(0, width - 2))
        var lines: [[(Character, Role)]] = []
        var line: [(Character, Role)] = []
        var lineWidth = 0
        // Where the current line may be broken: the text before `cut` stays, the next line
        // starts at `resume` (after a space that is dropped, or at a wide character).
        var breakAt: (cut: Int, resume: Int)?
        var start = 0 // where the text of the current line begins (after its indent)
        func newLine(carrying rest: [(Character, Role)]) {
            lines.append(line)
            line = Array(repeating: (" ", .normal), count: indent)
            start = indent
            lineWidth = indent
            breakAt = nil
            for item in rest where !(line.count == start && item.0 == " ") {
                line.append(item)
                lineWidth += DisplayWidth.of(item.0)
            }
            // The carried text may itself be broken again later, between its wide characters.
            for index in line.indices.dropFirst(start + 1) where canBreak(between: line[index - 1].0, and: line[index].0) {
                breakAt = (index, index)
            }
        }
        for span in spans {
            for character in span.text {
                let w = DisplayWidth.of(character)
                if line.count > start, let previous = line.last?.0, previous != " ", canBreak(between: previous, and: character) {
                    breakAt = (line.count, line.count)
                }
                if lineWidth + w > width && line.count > start {
                    if character == " " {
                        newLine(carrying: [])
                        continue
                    }
                    if let place = breakAt, place.cut > start {
                        let rest = Array(line[place.resume...])
                        line.removeSubrange(place.cut...)
                        newLine(carrying: rest)
                    } else {
                        newLine(carrying: [])
                    }
                    if lineWidth + w > width && line.count > start {
                        // What was carried and this character still do not fit: cut here.
                        newLine(carrying: [])
                    }
                }
                if character == " " && line.count == start && !lines.isEmpty { continue }
                if character == " " && line.count > start { breakAt = (line.count, line.count + 1) }
                line.append((character, span.role))
                lineWidth += w
            }
        }
        if line.count > start || lines.isEmpty { lines.append(line) }
        return lines.map { chars in
            // Trailing spaces at a break are not text.
            var chars = chars
            while chars.count > 1, chars.last?.0 == " " { chars.removeLast() }
            var out: [Span] = []
            for (character, role) in chars {
                if let last = out.last, last.role == role {
                    out[out.count - 1].text.append(character)
                } else {
                    out.append(Span(String(character), role))
                }
            }
            return out
        }
    }

    /// Characters a line never starts with (closing punctuation, small kana, the long vowel
    /// mark) and characters it never ends with (opening brackets): the usual Japanese rules.
    static let noLineStart: Set<Character> = Set("、。，．,.)）」』】〕〉》”’ー・：；:;!?！？ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ々…")
    static let noLineEnd: Set<Character> = Set("(（「『【〔〈《“‘")

    /// Whether a line may break between two characters that have no space between them: next to
    /// a double-width character, within the rules above.
    static func canBreak(between a: Character, and b: Character) -> Bool {
        guard a != " ", b != " " else { return false }
        guard DisplayWidth.of(a) == 2 || DisplayWidth.of(b) == 2 else { return false }
        return !noLineStart.contains(b) && !noLineEnd.contains(a)
    }

    /// Legend entries for one row, in order of importance: as many as fit, and `? More keys`
    /// when some are left out (`?` shows them all).
    static func legendFirstRow(_ entries: [(key: String, label: String)], width: Int, more: (key: String, label: String))
        -> (row: [(key: String, label: String)], complete: Bool)
    {
        func w(_ e: (key: String, label: String)) -> Int { DisplayWidth.of(e.key) + DisplayWidth.of(e.label) + 3 }
        if 1 + entries.reduce(0, { $0 + w($1) }) <= width { return (entries, true) }
        var row: [(key: String, label: String)] = []
        var used = 1 + w(more)
        for entry in entries {
            guard used + w(entry) <= width else { break }
            row.append(entry)
            used += w(entry)
        }
        return (row + [more], false)
    }
}
