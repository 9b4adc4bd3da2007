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
