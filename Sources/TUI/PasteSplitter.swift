/// How one pasted line becomes entries of an address list: what spreadsheets, address books
/// and other mail clients put on the clipboard.
///
/// - A row of cells (tab-separated, or separated by two or more blanks) with one address and
///   the rest words — `田中 一郎⇥ichiro@tanaka-kensetsu.co.jp`, `姓⇥名⇥address` — is one entry,
///   `Name <address>` (the other cells, joined by a space, are the name).
/// - A row whose cells are all addresses (or that has several addresses among words) gives
///   each cell as an entry, as it was: nothing is dropped, an entry that is not an address
///   shows its error.
/// - Outlook's `Name <a>; Name <b>` is a list: the semicolons outside quotes and angle
///   brackets separate entries (unless the line is a group, `team: a, b;`).
public enum PasteSplitter {
    /// The entries of one pasted line (no line breaks in it), each trimmed; none for a blank line.
    public static func entries(_ line: String) -> [String] {
        let line = trim(line)
        guard !line.isEmpty else { return [] }
        let outlook = splitOutside(line, at: ";")
        if outlook.count > 1, !hasColonOutside(line) {
            return outlook.map(trim).filter { !$0.isEmpty }.flatMap { entries($0) }
        }
        var cells = line.split(separator: "\t", omittingEmptySubsequences: true).map { trim(String($0)) }.filter { !$0.isEmpty }
        if cells.count == 1, !line.contains("<"), !line.contains("\"") {
            cells = splitAtWideGaps(line)
        }
        guard cells.count > 1 else { return cells }
        let addressCells = cells.filter(looksLikeAddress)
        guard addressCells.count == 1, let address = addressCells.first else { return cells }
        let name = cells.filter { !looksLikeAddress($0) }.joined(separator: " ")
        return [entry(name: name, address: address)]
    }

    /// True when a paste without line breaks still needs `entries` (semicolons, wide gaps).
    public static func needsSplitting(_ text: String) -> Bool {
        text.contains(";") || text.contains("  ") || text.unicodeScalars.contains("\u{3000}")
    }

    /// `Name <address>`; the name quoted when it holds a character a plain name may not.
    static func entry(name: String, address: String) -> String {
        var address = address
        if address.hasPrefix("<"), address.hasSuffix(">") { address = String(address.dropFirst().dropLast()) }
        let specials: Set<Character> = ["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", ".", "\""]
        if name.contains(where: specials.contains) {
            var escaped = ""
            for char in name {
                if char == "\\" || char == "\"" { escaped.append("\\") }
                escaped.append(char)
            }
            return "\"\(escaped)\" <\(address)>"
        }
        return "\(name) <\(address)>"
    }

    /// One word with an '@' in it that does not start or end with '@'.
    static func looksLikeAddress(_ cell: String) -> Bool {
        guard let at = cell.firstIndex(of: "@"), !cell.contains(where: \.isWhitespace) else { return false }
        return at != cell.startIndex && cell.index(after: at) != cell.endIndex
    }

    /// Cut at runs of two or more blanks (a single space stays inside a cell: `田中 一郎`); an
    /// ideographic space counts as two.
    static func splitAtWideGaps(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var gap = ""
        for char in line {
            if char == " " || char == "\u{3000}" {
                gap.append(char)
                continue
            }
            if !gap.isEmpty {
                if gap.count >= 2 || gap.contains("\u{3000}") {
                    cells.append(current)
                    current = ""
                } else {
                    current += gap
                }
                gap = ""
            }
            current.append(char)
        }
        cells.append(current)
        return cells.map(trim).filter { !$0.isEmpty }
    }

    /// The line cut at `separator` where it is outside double quotes, comments and angle brackets.
    static func splitOutside(_ line: String, at separator: Character) -> [String] {
        splitOutsideByBytes(line, at: separator) ?? splitOutsideBySlices(line, at: separator)
    }

    /// `splitOutsideBySlices` on the UTF-8 bytes, for a line whose quotes, brackets,
    /// parentheses, backslashes and separators each stand between ASCII bytes (or at an end):
    /// then each of them is a character of its own (a combining mark after one, or a prepended
    /// mark before it, would make one character of the two), and every other byte is part of a
    /// character that none of them is. Nil for any other line, and for a separator that is not
    /// one ASCII character other than CR and LF.
    static func splitOutsideByBytes(_ line: String, at separator: Character) -> [String]? {
        guard separator.unicodeScalars.count == 1, let sep = separator.asciiValue, sep != 0x0A, sep != 0x0D else { return nil }
        let answer = line.utf8.withContiguousStorageIfAvailable { bytes -> [String]? in
            var parts: [String] = []
            var start = 0
            var quoted = false, escaped = false
            var angle = 0, comment = 0
            let count = bytes.count
            var i = 0
            while i < count {
                let byte = bytes[i]
                defer { i += 1 }
                guard byte == sep || byte == 0x22 || byte == 0x3C || byte == 0x3E || byte == 0x28 || byte == 0x29 || byte == 0x5C else {
                    escaped = false
                    continue
                }
                if (i + 1 < count && bytes[i + 1] >= 0x80) || (i > 0 && bytes[i - 1] >= 0x80) { return nil }
                if escaped {
                    escaped = false
                    continue
                }
                switch byte {
                case 0x22 where comment == 0: quoted.toggle()
                case 0x3C where !quoted && comment == 0: angle += 1
                case 0x3E where !quoted && comment == 0: angle = max(0, angle - 1)
                case 0x28 where !quoted: comment += 1
                case 0x29 where !quoted: comment = max(0, comment - 1)
                case sep where !quoted && angle == 0 && comment == 0:
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    start = i + 1
                    continue
                default: break
                }
                escaped = byte == 0x5C && (quoted || comment > 0)
            }
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<count]), as: UTF8.self))
            return parts
        }
        return answer ?? nil
    }

    /// The line cut at `separator` outside quotes, comments and angle brackets, by characters.
    static func splitOutsideBySlices(_ line: String, at separator: Character) -> [String] {
        // Each part is the text between two separators: cut out as a slice, not appended a
        // character at a time (a field of thousands of addresses is split on every `y`).
        var parts: [String] = []
        var start = line.startIndex
        var quoted = false, escaped = false
        var angle = 0, comment = 0
        var i = line.startIndex
        while i < line.endIndex {
            let char = line[i]
            let next = line.index(after: i)
            defer { i = next }
            if escaped {
                escaped = false
                continue
            }
            switch char {
            case "\"" where comment == 0: quoted.toggle()
            case "<" where !quoted && comment == 0: angle += 1
            case ">" where !quoted && comment == 0: angle = max(0, angle - 1)
            case "(" where !quoted: comment += 1
            case ")" where !quoted: comment = max(0, comment - 1)
            case separator where !quoted && angle == 0 && comment == 0:
                parts.append(String(line[start..<i]))
                start = next
                continue
            default: break
            }
            escaped = char == "\\" && (quoted || comment > 0)
        }
        parts.append(String(line[start...]))
        return parts
    }

    /// A ':' outside quotes and brackets: the line is a group (`team: a@x, b@y;`), whose ';' ends it.
    static func hasColonOutside(_ line: String) -> Bool { splitOutside(line, at: ":").count > 1 }

    static func trim(_ text: String) -> String {
        var s = Substring(text)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
