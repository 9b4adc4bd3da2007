/// One screen cell: a grapheme and the role it is drawn in. The right half of a double-width
/// character is a continuation cell with no text of its own.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: Role
    public var isContinuation: Bool

    public static func blank(_ role: Role) -> Cell { Cell(text: " ", role: role, isContinuation: false) }
}

/// A screen as data: what a view returns and what a terminal draws. Knows nothing of ncurses.
public struct Grid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal's cursor goes; nil hides it.
    public var cursor: GridPoint?

    public init(width: Int, height: Int, role: Role = .normal) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank(role), count: self.width * self.height)
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * width + column]
    }

    /// Writes `text` from (row, column), clipped at `limit` columns (default: the right edge).
    /// Double-width characters take two cells; one that does not fit is left out. Returns the
    /// number of columns written.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, row: Int, column: Int, role: Role, limit: Int? = nil) -> Int {
        guard row >= 0, row < height, column < width else { return 0 }
        let end = min(width, column + (limit ?? width))
        var x = max(0, column)
        for character in text {
            let w = DisplayWidth.of(character)
            if w == 0 {
                // A lone combining mark or format character: attach it to the previous cell.
                if x > 0 {
                    var target = x - 1
                    if cells[row * width + target].isContinuation && target > 0 { target -= 1 }
                    cells[row * width + target].text.append(character)
                }
                continue
            }
            if x + w > end { break }
            let shown: String = Self.isControl(character) ? "\u{FFFD}" : String(character)
            splitWide(row: row, from: x, count: w)
            cells[row * width + x] = Cell(text: shown, role: role, isContinuation: false)
            if w == 2 { cells[row * width + x + 1] = Cell(text: "", role: role, isContinuation: true) }
            x += w
        }
        return x - max(0, column)
    }

    /// Before cells `from..<from+count` are overwritten: a double-width character that has one
    /// half inside and one outside loses its other half to a blank. Otherwise a box drawn over
    /// the right half of "ヘ" would leave "ヘ" whole in front of the box's border, and the
    /// terminal would shift the rest of the row by a column (and keep stale characters).
    private mutating func splitWide(row: Int, from: Int, count: Int) {
        let base = row * width
        if cells[base + from].isContinuation && from > 0 {
            cells[base + from - 1] = .blank(cells[base + from - 1].role)
        }
        let after = from + count
        if after < width && cells[base + after].isContinuation {
            cells[base + after] = .blank(cells[base + after].role)
        }
    }

    /// Paints `count` cells of a row (from `column`) in a role, keeping their text.
    public mutating func paint(row: Int, column: Int = 0, count: Int? = nil, role: Role) {
        guard row >= 0, row < height else { return }
        let end = min(width, column + (count ?? width))
        for x in max(0, column)..<max(max(0, column), end) { cells[row * width + x].role = role }
    }

    /// Fills a row with a repeated character (a rule line).
    public mutating func fill(row: Int, with character: Character, role: Role) {
        guard row >= 0, row < height else { return }
        for x in 0..<width { cells[row * width + x] = Cell(text: String(character), role: role, isContinuation: false) }
    }

    /// The screen as text lines (trailing spaces removed): what snapshot tests compare.
    public var textLines: [String] {
        (0..<height).map { row in
            var line = ""
            for x in 0..<width where !cells[row * width + x].isContinuation { line += cells[row * width + x].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// One line per row naming the role of each run of cells, for snapshot tests of styling:
    /// `2: label[1-9] field[10-40]` (columns 1-based, inclusive; `normal` runs left out).
    public var roleLines: [String] {
        (0..<height).compactMap { row in
            var runs: [String] = []
            var start = 0
            while start < width {
                let role = cells[row * width + start].role
                var end = start
                while end + 1 < width && cells[row * width + end + 1].role == role { end += 1 }
                if role != .normal { runs.append("\(role.rawValue)[\(start + 1)-\(end + 1)]") }
                start = end + 1
            }
            return runs.isEmpty ? nil : "\(row + 1): " + runs.joined(separator: " ")
        }
    }

    static func isControl(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return v < 0x20 || (0x7F...0x9F).contains(v)
    }
}
