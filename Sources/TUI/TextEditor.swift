// The message body editor: logical lines, a cursor, soft wrapping and a scroll anchor.
//
// Cost model: an edit touches the cursor's line only (plus one array splice when lines are split
// or joined). Wrapping is computed on demand, one logical line at a time, and only for lines near
// the cursor or the scroll anchor, so keystrokes cost the same in a 10-line and a 10,000-line body.

/// A position in the body: a logical line and a column in Characters.
public struct TextPosition: Equatable, Hashable, Sendable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: TextPosition, b: TextPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// The top of the body window: a logical line and a wrapped row within it.
public struct ScrollPosition: Equatable, Hashable, Sendable, Comparable {
    public var line: Int
    public var row: Int

    public init(line: Int, row: Int) {
        self.line = line
        self.row = row
    }

    public static func < (a: ScrollPosition, b: ScrollPosition) -> Bool {
        (a.line, a.row) < (b.line, b.row)
    }
}

/// One screen row of the body.
public struct VisibleRow: Equatable, Sendable {
    /// What to draw: tabs expanded to spaces, control characters replaced by U+FFFD, never wider
    /// than the window.
    public var text: String
    /// The logical line this row belongs to.
    public var line: Int
    /// True for the second and later rows of a wrapped line.
    public var isContinuation: Bool

    public init(text: String, line: Int, isContinuation: Bool) {
        self.text = text
        self.line = line
        self.isContinuation = isContinuation
    }
}

/// The body editor.
///
/// Wrapping rules (`rows(ofLine:width:)`):
/// - rows break at grapheme boundaries by display width; a wide character that does not fit goes
///   to the next row;
/// - when the row has a space whose end lies in the last third of the width, the row breaks after
///   the last such space (Latin text); otherwise anywhere (Japanese);
/// - spaces that do not fit at the end of a row hang past the edge (they are not drawn, and a
///   cursor on them is shown in the last column) instead of starting the next row;
/// - a tab advances to the next multiple of 8 columns within its row, at most to the edge;
/// - a line whose last row is exactly full gets an extra empty row, so the cursor at its end has
///   a cell to be drawn in. An empty line is one empty row.
public struct TextEditor: Equatable, Sendable {
    /// Logical lines; never empty (`[""]` for an empty body).
    public private(set) var lines: [String]
    public private(set) var cursor: TextPosition
    /// The first screen row of the window. Kept valid across edits; clamped when used.
    public private(set) var scroll: ScrollPosition = ScrollPosition(line: 0, row: 0)
    /// The display column that up/down movement aims for, kept across repeated vertical moves.
    private var goalColumn: Int?

    /// CR LF and lone CR become LF. `cursor` nil is the start; other values are clamped.
    public init(_ text: String = "", cursor: TextPosition? = nil) {
        lines = Self.splitLines(Self.normalizeNewlines(text))
        self.cursor = TextPosition(line: 0, column: 0)
        if let cursor {
            let line = min(max(cursor.line, 0), lines.count - 1)
            let column = min(max(cursor.column, 0), lines[line].count)
            self.cursor = TextPosition(line: line, column: column)
        }
    }

    /// The lines joined with "\n" (round-trips exactly with `init` for LF text).
    public var text: String {
        // Appended into one string of the right size: a 1 MiB body of 8,000 lines takes 6 million
        // instructions (the generic `joined` 7.5; its bytes made into a string are validated
        // again, 12).
        guard lines.count > 1 else { return lines[0] }
        var out = ""
        out.reserveCapacity(lines.reduce(lines.count - 1) { $0 + $1.utf8.count })
        for (index, line) in lines.enumerated() {
            if index > 0 { out.append("\n") }
            out.append(line)
        }
        return out
    }

    // MARK: - Editing

    /// Inserts typed or pasted text at the cursor; it may contain newlines (CR LF and CR become LF).
    public mutating func insert(_ text: String) {
        goalColumn = nil
        let pieces = Self.splitLines(Self.normalizeNewlines(text))
        let line = cursor.line
        if pieces.count == 1 {
            if pieces[0].isEmpty { return }
            let column = TextOps.replace(&lines[line], characters: cursor.column..<cursor.column, with: pieces[0])
            cursor.column = column
            return
        }
        // Split the current line at the cursor and splice the pasted lines in between.
        var head = lines[line]
        let splitIndex = head.index(head.startIndex, offsetBy: cursor.column)
        let tail = String(head[splitIndex...])
        head.removeSubrange(splitIndex...)
        head.append(contentsOf: pieces[0])
        var last = pieces[pieces.count - 1]
        let lastLength = last.utf8.count
        last.append(contentsOf: tail)
        var replacement = [head]
        replacement.append(contentsOf: pieces[1..<(pieces.count - 1)])
        replacement.append(last)
        lines.replaceSubrange(line...line, with: replacement)
        let added = pieces.count - 1
        if scroll.line > line { scroll.line += added }
        let newLine = line + added
        cursor = TextPosition(
            line: newLine,
            column: TextOps.charactersStarting(in: lines[newLine], fromUTF8: 0, before: lastLength))
    }

    public mutating func insertNewline() {
        insert("\n")
    }

    /// Deletes the Character before the cursor; at column 0 joins the line to the previous one.
    public mutating func deleteBackward() {
        goalColumn = nil
        if cursor.column > 0 {
            cursor.column = TextOps.replace(
                &lines[cursor.line],
                characters: (cursor.column - 1)..<cursor.column, with: "")
        } else if cursor.line > 0 {
            joinLine(cursor.line - 1)
        }
    }

    /// Deletes the Character after the cursor; at the end of a line joins the next line to it.
    public mutating func deleteForward() {
        goalColumn = nil
        let count = lines[cursor.line].count
        if cursor.column < count {
            cursor.column = TextOps.replace(
                &lines[cursor.line],
                characters: cursor.column..<(cursor.column + 1), with: "")
        } else if cursor.line < lines.count - 1 {
            joinLine(cursor.line)
        }
    }

    /// Appends line `index + 1` to line `index`; the cursor goes to the join point.
    private mutating func joinLine(_ index: Int) {
        let next = lines.remove(at: index + 1)
        let headLength = lines[index].utf8.count
        lines[index].append(contentsOf: next)
        cursor = TextPosition(
            line: index,
            column: TextOps.charactersStarting(in: lines[index], fromUTF8: 0, before: headLength))
        if scroll.line == index + 1 {
            // The window started on the joined line: keep it near the join (clamped when used).
            scroll = ScrollPosition(line: index, row: Int.max)
        } else if scroll.line > index + 1 {
            scroll.line -= 1
        }
    }

    // MARK: - Moving

    public mutating func moveLeft() {
        goalColumn = nil
        if cursor.column > 0 {
            cursor.column -= 1
        } else if cursor.line > 0 {
            cursor = TextPosition(line: cursor.line - 1, column: lines[cursor.line - 1].count)
        }
    }

    public mutating func moveRight() {
        goalColumn = nil
        if cursor.column < lines[cursor.line].count {
            cursor.column += 1
        } else if cursor.line < lines.count - 1 {
            cursor = TextPosition(line: cursor.line + 1, column: 0)
        }
    }

    /// Start of the logical line.
    public mutating func moveHome() {
        goalColumn = nil
        cursor.column = 0
    }

    /// End of the logical line.
    public mutating func moveEnd() {
        goalColumn = nil
        cursor.column = lines[cursor.line].count
    }

    /// Up one wrapped row, aiming for the goal display column. On the first row: to the start.
    public mutating func moveUp(width: Int) {
        moveVertically(by: -1, width: width)
    }

    /// Down one wrapped row, aiming for the goal display column. On the last row: to the end.
    public mutating func moveDown(width: Int) {
        moveVertically(by: 1, width: width)
    }

    /// Up a window (height − 1 rows); the window scrolls by as much as the cursor moves.
    public mutating func pageUp(width: Int, height: Int) {
        let step = max(1, height - 1)
        let moved = moveVertically(by: -step, width: width)
        guard moved > 0 else { return }
        let w = max(1, width)
        clampScroll(width: w)
        scroll = advance(scroll, by: -moved, width: w).position
    }

    /// Down a window (height − 1 rows); the window scrolls by as much as the cursor moves, but not
    /// so far that the last row of the body rises above the bottom of the window.
    public mutating func pageDown(width: Int, height: Int) {
        let step = max(1, height - 1)
        let moved = moveVertically(by: step, width: width)
        guard moved > 0 else { return }
        let w = max(1, width)
        clampScroll(width: w)
        let lastLine = lines.count - 1
        let end = ScrollPosition(line: lastLine, row: rowRanges(ofLine: lastLine, width: w).count - 1)
        let lowestTop = advance(end, by: -(max(1, height) - 1), width: w).position
        let target = advance(scroll, by: moved, width: w).position
        scroll = max(scroll, min(target, lowestTop))
    }

    /// Moves the cursor `delta` wrapped rows, keeping the goal column; returns how many rows it
    /// actually moved. When it cannot move at all it goes to the start or end of the body.
    @discardableResult
    private mutating func moveVertically(by delta: Int, width: Int) -> Int {
        let w = max(1, width)
        let layout = WrappedLine(lines[cursor.line], width: w)
        let row = layout.row(containing: cursor.column)
        let goal = goalColumn ?? min(layout.column(of: cursor.column, inRow: row), w - 1)
        let (target, moved) = advance(ScrollPosition(line: cursor.line, row: row), by: delta, width: w)
        if moved == 0 {
            cursor =
                delta < 0
                ? TextPosition(line: 0, column: 0)
                : TextPosition(line: lines.count - 1, column: lines[lines.count - 1].count)
        } else {
            let targetLayout = target.line == cursor.line ? layout : WrappedLine(lines[target.line], width: w)
            cursor = TextPosition(line: target.line, column: targetLayout.character(atColumn: goal, inRow: target.row))
        }
        goalColumn = goal
        return abs(moved)
    }

    // MARK: - Wrapping and scrolling

    /// Soft-wrapped rows of one logical line at `width` columns, as ranges of Characters.
    public func rows(ofLine line: Int, width: Int) -> [Range<Int>] {
        rowRanges(ofLine: line, width: max(1, width))
    }

    private func rowRanges(ofLine line: Int, width: Int) -> [Range<Int>] {
        WrappedLine(lines[line], width: width).rows
    }

    /// Scrolls as little as possible so the cursor's row is inside a window of width × height.
    public mutating func scrollToCursor(width: Int, height: Int) {
        let w = max(1, width)
        let cursorLayout = WrappedLine(lines[cursor.line], width: w)
        let cursorLine = cursor.line
        func rowCount(_ line: Int) -> Int {
            line == cursorLine ? cursorLayout.rows.count : rowRanges(ofLine: line, width: w).count
        }
        scroll = clampedScroll(rowCount: rowCount)
        let cursorRow = ScrollPosition(line: cursor.line, row: cursorLayout.row(containing: cursor.column))
        if cursorRow <= scroll || height <= 1 {
            scroll = cursorRow
            return
        }
        // Is the cursor within `height` rows of the top? Count at most that many rows.
        var distance = 0
        var position = scroll
        while position.line < cursorRow.line {
            distance += rowCount(position.line) - position.row
            if distance >= height { break }
            position = ScrollPosition(line: position.line + 1, row: 0)
        }
        if position.line == cursorRow.line {
            distance += cursorRow.row - position.row
        }
        if distance < height { return }
        scroll = advance(cursorRow, by: -(height - 1), width: w).position
    }

    /// The rows to draw from the scroll position, and the cursor's (row, column) on screen if it is
    /// in the window. Call `scrollToCursor` first to make sure it is.
    public func visibleRows(width: Int, height: Int) -> (rows: [VisibleRow], cursor: (row: Int, column: Int)?) {
        guard height > 0 else { return ([], nil) }
        let w = max(1, width)
        var result: [VisibleRow] = []
        result.reserveCapacity(height)
        var cursorCell: (row: Int, column: Int)?
        var line = min(max(scroll.line, 0), lines.count - 1)
        var firstRow = max(scroll.row, 0)
        while result.count < height && line < lines.count {
            let layout = WrappedLine(lines[line], width: w)
            let cursorRow = line == cursor.line ? layout.row(containing: cursor.column) : -1
            var row = min(firstRow, layout.rows.count - 1)
            while row < layout.rows.count && result.count < height {
                if row == cursorRow {
                    cursorCell = (result.count, min(layout.column(of: cursor.column, inRow: row), w - 1))
                }
                result.append(VisibleRow(text: layout.text(ofRow: row), line: line, isContinuation: row > 0))
                row += 1
            }
            line += 1
            firstRow = 0
        }
        return (result, cursorCell)
    }

    /// Brings the scroll anchor back into the document after edits or a width change.
    private func clampedScroll(rowCount: (Int) -> Int) -> ScrollPosition {
        let line = min(max(scroll.line, 0), lines.count - 1)
        return ScrollPosition(line: line, row: min(max(scroll.row, 0), rowCount(line) - 1))
    }

    private mutating func clampScroll(width: Int) {
        scroll = clampedScroll { self.rowRanges(ofLine: $0, width: width).count }
    }

    /// The wrapped row `delta` rows away from `start` (clamped to the body), and the signed number
    /// of rows actually moved. Wraps only the lines it passes.
    private func advance(_ start: ScrollPosition, by delta: Int, width: Int) -> (position: ScrollPosition, moved: Int) {
        var position = start
        var remaining = abs(delta)
        if delta < 0 {
            while remaining > 0 {
                if position.row >= remaining {
                    position.row -= remaining
                    remaining = 0
                } else if position.line == 0 {
                    remaining -= position.row
                    position.row = 0
                    break
                } else {
                    remaining -= position.row + 1
                    position.line -= 1
                    position.row = rowRanges(ofLine: position.line, width: width).count - 1
                }
            }
        } else {
            var rowCount = rowRanges(ofLine: position.line, width: width).count
            while remaining > 0 {
                let left = rowCount - 1 - position.row
                if left >= remaining {
                    position.row += remaining
                    remaining = 0
                } else if position.line == lines.count - 1 {
                    remaining -= left
                    position.row = rowCount - 1
                    break
                } else {
                    remaining -= left + 1
                    position.line += 1
                    position.row = 0
                    rowCount = rowRanges(ofLine: position.line, width: width).count
                }
            }
        }
        let moved = abs(delta) - remaining
        return (position, delta < 0 ? -moved : moved)
    }

    // MARK: - Newlines

    static func normalizeNewlines(_ text: String) -> String {
        // Most text has no CR at all: one pass over its bytes decides.
        var copy = text
        guard copy.withUTF8({ $0.contains(0x0D) }) else { return text }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                out.append("\n")
                previousCR = true
                continue
            }
            if !(scalar == "\n" && previousCR) { out.append(scalar) }
            previousCR = false
        }
        return String(out)
    }

    /// Splits LF-only text into lines (a trailing LF gives a final empty line).
    static func splitLines(_ text: String) -> [String] {
        // LF is always a grapheme boundary (CR LF is gone by now), so split the UTF-8 bytes, in
        // one pass over contiguous storage (a 5,000-line body is split before the first frame).
        var text = text
        return text.withUTF8 { bytes in
            var lines: [String] = []
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                start = index + 1
            }
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            return lines
        }
    }
}

/// One logical line wrapped at a width: its Characters, their kinds and widths, and its rows.
struct WrappedLine {
    let characters: [Character]
    /// Per character: its width (0, 1, 2), or one of the kinds below.
    private let kinds: [Int8]
    let width: Int
    /// Never empty.
    private(set) var rows: [Range<Int>] = []

    private static let tab: Int8 = -1
    private static let space: Int8 = -2 // one column; a row may break after it
    private static let control: Int8 = -3 // one column, drawn as U+FFFD

    init(_ line: String, width: Int) {
        let characters = Array(line)
        var kinds = [Int8](repeating: 1, count: characters.count)
        for (i, character) in characters.enumerated() {
            let utf8 = character.utf8
            let lead = utf8.first ?? 0
            if utf8.count == 1 {
                if lead == 0x09 {
                    kinds[i] = Self.tab
                } else if lead == 0x20 {
                    kinds[i] = Self.space
                } else if lead < 0x20 || lead == 0x7F {
                    kinds[i] = Self.control
                }
            } else if DisplayWidth.isControl(character) {
                kinds[i] = Self.control
            } else {
                kinds[i] = Int8(DisplayWidth.of(character))
            }
        }
        self.characters = characters
        self.kinds = kinds
        self.width = width
        rows = wrap()
    }

    /// Columns of the character at `index` when it starts at `column` of its row.
    @inline(__always)
    func cellWidth(_ index: Int, atColumn column: Int) -> Int {
        let kind = kinds[index]
        if kind >= 0 { return Int(kind) }
        if kind == Self.tab { return column >= width ? 8 : min(8 - column % 8, width - column) }
        return 1
    }

    private func wrap() -> [Range<Int>] {
        let count = characters.count
        guard count > 0 else { return [0..<0] }
        var result: [Range<Int>] = []
        var start = 0
        var lastRowFull = false
        while start < count {
            var column = 0
            var index = start
            var breakAfterSpace: Int?
            var overflowed = false
            while index < count {
                let w = cellWidth(index, atColumn: column)
                if column + w > width && index > start {
                    overflowed = true
                    break
                }
                column += w
                if kinds[index] == Self.space && column * 3 >= width * 2 {
                    breakAfterSpace = index + 1
                }
                index += 1
            }
            if overflowed {
                if kinds[index] == Self.space {
                    // Spaces hang past the edge rather than starting the next row.
                    while index < count && kinds[index] == Self.space { index += 1 }
                } else if let breakAfterSpace {
                    index = breakAfterSpace
                } else {
                    index = Self.kinsoku(characters, start: start, breakAt: index)
                }
                lastRowFull = true
            } else {
                lastRowFull = column >= width
            }
            result.append(start..<index)
            start = index
        }
        if lastRowFull { result.append(count..<count) }
        return result
    }

    /// Japanese line breaking (kinsoku shori, JIS X 4051), by pushing characters to the next row:
    /// a row may not start with closing punctuation or small kana (、。」ー っ …) nor end with an
    /// opening bracket (「（ …). Never empties a row.
    static func kinsoku(_ characters: [Character], start: Int, breakAt index: Int) -> Int {
        var index = index
        for _ in 0..<3 where index - 1 > start {
            if index < characters.count && noLineStart.contains(characters[index]) {
                index -= 1
            } else if noLineEnd.contains(characters[index - 1]) {
                index -= 1
            } else {
                break
            }
        }
        return index
    }

    static let noLineStart: Set<Character> = Set("、。，．・：；？！ー）」』】〕〉》｝〟’”…‥々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.)]}!?:;")
    static let noLineEnd: Set<Character> = Set("（「『【〔〈《｛〝‘“([{")

    /// The row the cursor at Character `position` is drawn on: the row containing it, or for the
    /// position at a row's end, the next row (the last row for the end of the line).
    func row(containing position: Int) -> Int {
        var lo = 0
        var hi = rows.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if position < rows[mid].upperBound { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Display column of Character `position` within `row` (may exceed the width for hanging spaces).
    func column(of position: Int, inRow row: Int) -> Int {
        var column = 0
        var index = rows[row].lowerBound
        while index < position && index < rows[row].upperBound {
            column += cellWidth(index, atColumn: column)
            index += 1
        }
        return column
    }

    /// The Character position in `row` nearest to display column `goal` (at or left of it).
    func character(atColumn goal: Int, inRow row: Int) -> Int {
        let range = rows[row]
        var column = 0
        for index in range {
            let w = cellWidth(index, atColumn: column)
            if column + w > goal { return index }
            column += w
        }
        // Past the row's text: its end, but a non-final row's end belongs to the next row.
        return row == rows.count - 1 ? range.upperBound : max(range.lowerBound, range.upperBound - 1)
    }

    /// The row as drawn: tabs as spaces, controls as U+FFFD, clipped to the width.
    func text(ofRow row: Int) -> String {
        var out = ""
        var column = 0
        for index in rows[row] {
            let w = cellWidth(index, atColumn: column)
            if column + w > width { break }
            switch kinds[index] {
            case Self.tab: out.append(String(repeating: " ", count: w))
            case Self.control: out.append("\u{FFFD}")
            default: out.append(characters[index])
            }
            column += w
        }
        return out
    }
}
