// The TOML parser: a single pass over the Unicode scalars of the text.
//
// Tables are built as mutable `Draft` objects while parsing, because TOML lets later
// headers reopen tables created earlier (implicitly), and are frozen into `TOMLTable`
// values at the end. Each draft remembers how it was created, which decides what may
// still be added to it:
//   implicit  — created as a parent by a header like [a.b]; a later [a] may define it once
//   header    — defined by [a] or [[a]]; cannot be defined again
//   dotted    — created by a dotted key `a.b = 1`; other dotted keys may add to it,
//               sub-tables [a.b.c] may be declared under it, but [a] may not reopen it
// Inline tables and value arrays are stored as finished nodes and so cannot be extended.

final class Draft {
    enum Kind { case implicit, header, dotted }
    enum Entry {
        case value(TOMLNode)
        case table(Draft)
        case tableArray([Draft])
    }

    var kind: Kind
    var position: TOMLPosition
    var keyPosition: TOMLPosition?
    var keys: [String] = []
    var entries: [String: Entry] = [:]

    init(_ kind: Kind, position: TOMLPosition, keyPosition: TOMLPosition?) {
        self.kind = kind
        self.position = position
        self.keyPosition = keyPosition
    }

    func set(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
    }

    func freeze() -> TOMLTable {
        var table = TOMLTable(position: position)
        for key in keys { table.append(key, Draft.node(entries[key]!)) }
        return table
    }

    static func node(_ entry: Entry) -> TOMLNode {
        switch entry {
        case .value(let node):
            return node
        case .table(let draft):
            return TOMLNode(value: .table(draft.freeze()), position: draft.position, keyPosition: draft.keyPosition)
        case .tableArray(let drafts):
            return TOMLNode(
                value: .array(drafts.map { node(.table($0)) }),
                position: drafts[0].position, keyPosition: drafts[0].keyPosition)
        }
    }

    /// "a string (line 3)", "table [a.b] (line 2)" — what an existing entry is, for messages.
    static func describe(_ entry: Entry, path: String) -> String {
        switch entry {
        case .value(let node):
            return "'\(path)' is already \(node.typeName) (line \(node.position.line))"
        case .table(let draft) where draft.kind == .dotted:
            return "table '\(path)' was already defined by dotted keys (line \(draft.position.line))"
        case .table(let draft):
            return "table [\(path)] was already defined (line \(draft.position.line))"
        case .tableArray(let drafts):
            return "'\(path)' is already an array of tables (line \(drafts[0].position.line))"
        }
    }
}

typealias KeyPart = (name: String, position: TOMLPosition)

struct Parser {
    /// How deep tables and arrays may nest: the parts of a key path (`[a.b.c]`, `a.b.c = 1`, the
    /// keys of enclosing inline tables) plus the enclosing arrays. Values are parsed, and tables
    /// frozen, by recursion, so without a limit a line of `[[[[…` overflows the stack; no
    /// configuration needs more than a handful of levels.
    static let maximumDepth = 100

    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var lineStart = 0
    /// Arrays open around the value being parsed.
    private var openArrays = 0

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() } // byte-order mark
        s = scalars
    }

    // MARK: Cursor

    private var pos: TOMLPosition { TOMLPosition(line: line, column: i - lineStart + 1) }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }
    private var atNewline: Bool { peek() == "\n" || (peek() == "\r" && peek(1) == "\n") }

    private mutating func advance(_ n: Int = 1) {
        for _ in 0..<n where i < s.count {
            if s[i] == "\n" {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
    }

    private mutating func consumeNewline() { advance(peek() == "\r" ? 2 : 1) }

    private mutating func skipSpaces() { while peek() == " " || peek() == "\t" { advance() } }

    private func error(_ message: String, at position: TOMLPosition? = nil) -> TOMLError {
        TOMLError(position: position ?? pos, message: message)
    }

    /// Refuses a table or array at nesting `depth` (1 for a top-level key's table) past the limit.
    private func checkDepth(_ depth: Int, at position: TOMLPosition) throws(TOMLError) {
        guard depth > Parser.maximumDepth else { return }
        throw error("tables and arrays are nested more than \(Parser.maximumDepth) levels deep", at: position)
    }

    /// How to name the next character in a message: "'x'", "end of line", "end of file".
    private var found: String {
        guard let c = peek() else { return "end of file" }
        if atNewline { return "end of line" }
        return Parser.isControl(c) ? "control character \(Parser.hex(c))" : "'\(c)'"
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool { (c.value < 0x20 && c != "\t") || c.value == 0x7F }

    static func hex(_ c: Unicode.Scalar) -> String {
        let digits = String(c.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private mutating func skipComment() throws(TOMLError) {
        guard peek() == "#" else { return }
        while let c = peek(), !atNewline {
            if Parser.isControl(c) { throw error("control character \(Parser.hex(c)) is not allowed in a comment") }
            advance()
        }
    }

    /// After a key/value pair or header: optional spaces and comment, then a newline or the end.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipSpaces()
        try skipComment()
        if peek() == nil { return }
        if atNewline {
            consumeNewline()
            return
        }
        throw error("expected a new line after \(what), found \(found)")
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = Draft(.header, position: TOMLPosition(line: 1, column: 1), keyPosition: nil)
        var current = root
        var currentPath: [String] = []
        while true {
            skipSpaces()
            guard let c = peek() else { break }
            if atNewline {
                consumeNewline()
                continue
            }
            if c == "#" {
                try endOfLine(after: "the comment")
                continue
            }
            if c == "[" {
                (current, currentPath) = try parseHeader(root: root)
                try endOfLine(after: "the table header")
            } else {
                try parseKeyValue(into: current, path: currentPath)
                try endOfLine(after: "the value")
            }
        }
        return root.freeze()
    }

    private mutating func parseHeader(root: Draft) throws(TOMLError) -> (Draft, [String]) {
        let start = pos
        advance()
        let isArray = peek() == "["
        if isArray { advance() }
        let keys = try parseKey()
        try checkDepth(keys.count, at: start)
        if isArray {
            guard peek() == "]" && peek(1) == "]" else { throw error("expected ']]' to close the array-of-tables header, found \(found)") }
            advance(2)
        } else {
            guard peek() == "]" else { throw error("expected ']' to close the table header, found \(found)") }
            advance()
        }
        let names = keys.map(\.name)
        let label = isArray ? "[[\(TOML.keyPath(names))]]" : "[\(TOML.keyPath(names))]"

        var table = root
        for (n, key) in keys.dropLast().enumerated() {
            switch table.entries[key.name] {
            case nil:
                let child = Draft(.implicit, position: start, keyPosition: key.position)
                table.set(key.name, .table(child))
                table = child
            case .table(let child)?:
                table = child
            case .tableArray(let drafts)?:
                table = drafts[drafts.count - 1]
            case .value(let node)?:
                let path = TOML.keyPath(Array(names[...n]))
                throw error("cannot define \(label): '\(path)' is already \(node.typeName) (line \(node.position.line))", at: start)
            }
        }

        let last = keys[keys.count - 1]
        let fresh = Draft(.header, position: start, keyPosition: last.position)
        switch (table.entries[last.name], isArray) {
        case (nil, false):
            table.set(last.name, .table(fresh))
        case (nil, true):
            table.set(last.name, .tableArray([fresh]))
        case (.tableArray(let drafts)?, true):
            table.set(last.name, .tableArray(drafts + [fresh]))
        case (.table(let existing)?, false) where existing.kind == .implicit:
            existing.kind = .header
            existing.position = start
            existing.keyPosition = last.position
            return (existing, names)
        case (let entry?, _):
            throw error("cannot define \(label): " + Draft.describe(entry, path: TOML.keyPath(names)), at: start)
        }
        return (fresh, names)
    }

    private mutating func parseKeyValue(into table: Draft, path: [String]) throws(TOMLError) {
        let keys = try parseKey()
        try checkDepth(path.count + keys.count - 1 + openArrays, at: keys[keys.count - 1].position)
        guard peek() == "=" else { throw error("expected '=' after key, found \(found)") }
        advance()
        skipSpaces()
        let node = try parseValue(path: path + keys.map(\.name), keyPosition: keys[keys.count - 1].position)
        try insert(node, keys: keys, into: table, path: path)
    }

    /// Stores a value under a (possibly dotted) key, creating or extending dotted tables.
    private func insert(_ node: TOMLNode, keys: [KeyPart], into root: Draft, path: [String]) throws(TOMLError) {
        var table = root
        var names = path
        for key in keys.dropLast() {
            names.append(key.name)
            switch table.entries[key.name] {
            case nil:
                let child = Draft(.dotted, position: key.position, keyPosition: key.position)
                table.set(key.name, .table(child))
                table = child
            case .table(let child)? where child.kind != .header:
                table = child
            case let entry?:
                throw error(Draft.describe(entry, path: TOML.keyPath(names)) + " and cannot be extended with dotted keys", at: key.position)
            }
        }
        let last = keys[keys.count - 1]
        names.append(last.name)
        if let existing = table.entries[last.name] {
            let line = Draft.node(existing).position.line
            throw error("duplicate key '\(TOML.keyPath(names))' (first defined at line \(line))", at: last.position)
        }
        table.set(last.name, .value(node))
    }

    // MARK: Keys

    /// A key, possibly dotted, with the spaces around it.
    private mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var keys: [KeyPart] = []
        while true {
            skipSpaces()
            let start = pos
            let name: String
            switch peek() {
            case "\""?:
                if peek(1) == "\"" && peek(2) == "\"" { throw error("a multi-line string cannot be used as a key") }
                name = try parseBasicString()
            case "'"?:
                if peek(1) == "'" && peek(2) == "'" { throw error("a multi-line string cannot be used as a key") }
                name = try parseLiteralString()
            case let c? where TOML.isBareKeyScalar(c):
                var scalars = String.UnicodeScalarView()
                while let c = peek(), TOML.isBareKeyScalar(c) {
                    scalars.append(c)
                    advance()
                }
                name = String(scalars)
            default:
                throw error("expected a key, found \(found)")
            }
            keys.append((name, start))
            skipSpaces()
            guard peek() == "." else { return keys }
            advance()
        }
    }

    // MARK: Values

    private mutating func parseValue(path: [String], keyPosition: TOMLPosition?) throws(TOMLError) -> TOMLNode {
        let start = pos
        let value: TOMLValue
        switch peek() {
        case "\""?:
            value = try .string(peek(1) == "\"" && peek(2) == "\"" ? parseMultilineString(quote: "\"") : parseBasicString())
        case "'"?:
            value = try .string(peek(1) == "'" && peek(2) == "'" ? parseMultilineString(quote: "'") : parseLiteralString())
        case "["?:
            try checkDepth(path.count + openArrays, at: start)
            openArrays += 1
            defer { openArrays -= 1 }
            value = .array(try parseArray(path: path))
        case "{"?:
            try checkDepth(path.count + openArrays, at: start)
            value = .table(try parseInlineTable(path: path))
        default:
            value = try parseBareValue()
        }
        return TOMLNode(value: value, position: start, keyPosition: keyPosition)
    }

    private mutating func parseArray(path: [String]) throws(TOMLError) -> [TOMLNode] {
        let start = pos
        advance()
        var items: [TOMLNode] = []
        while true {
            try skipArrayFiller()
            guard peek() != nil else { throw error("unterminated array: missing ']'", at: start) }
            if peek() == "]" {
                advance()
                return items
            }
            items.append(try parseValue(path: path, keyPosition: nil))
            try skipArrayFiller()
            switch peek() {
            case ","?: advance()
            case "]"?:
                advance()
                return items
            case nil: throw error("unterminated array: missing ']'", at: start)
            default: throw error("expected ',' or ']' after an array element, found \(found)")
            }
        }
    }

    /// Spaces, newlines and comments, all allowed between array elements.
    private mutating func skipArrayFiller() throws(TOMLError) {
        while true {
            skipSpaces()
            try skipComment()
            guard atNewline else { return }
            consumeNewline()
        }
    }

    private mutating func parseInlineTable(path: [String]) throws(TOMLError) -> TOMLTable {
        let start = pos
        advance()
        let table = Draft(.dotted, position: start, keyPosition: nil)
        skipSpaces()
        if peek() == "}" {
            advance()
            return table.freeze()
        }
        while true {
            skipSpaces()
            if atNewline { throw error("an inline table must be on a single line; found a line break before its '}'") }
            if peek() == nil { throw error("unterminated inline table: missing '}'", at: start) }
            if peek() == "}" { throw error("a trailing comma is not allowed in an inline table") }
            try parseKeyValue(into: table, path: path)
            skipSpaces()
            switch peek() {
            case ","?: advance()
            case "}"?:
                advance()
                return table.freeze()
            case nil: throw error("unterminated inline table: missing '}'", at: start)
            default:
                if atNewline { throw error("an inline table must be on a single line; found a line break before its '}'") }
                throw error("expected ',' or '}' in inline table, found \(found)")
            }
        }
    }

    /// Booleans, numbers and dates: a run of letters, digits and `_ + - . :`.
    private mutating func parseBareValue() throws(TOMLError) -> TOMLValue {
        let start = pos
        var token: [Unicode.Scalar] = []
        func isTokenScalar(_ c: Unicode.Scalar) -> Bool {
            TOML.isBareKeyScalar(c) || c == "+" || c == "." || c == ":"
        }
        while let c = peek(), isTokenScalar(c) {
            token.append(c)
            advance()
        }
        // A date-time may separate date and time with a space: 1979-05-27 07:32:00
        if token.count == 10, token[4] == "-", peek() == " ",
            let a = peek(1), let b = peek(2), ("0"..."9").contains(a), ("0"..."9").contains(b), peek(3) == ":"
        {
            token.append(" ")
            advance()
            while let c = peek(), isTokenScalar(c) {
                token.append(c)
                advance()
            }
        }
        let text = String(String.UnicodeScalarView(token))
        switch text {
        case "": throw error("expected a value, found \(found)" + (peek()?.properties.isAlphabetic == true ? " (strings must be quoted)" : ""))
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if DateCheck.looksLikeDate(token) {
            guard DateCheck.isValid(token) else { throw error("invalid date or time '\(text)'", at: start) }
            return .dateTime(text)
        }
        if let first = token.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) {
            throw error("invalid value '\(text)' (strings must be quoted)", at: start)
        }
        return try NumberParser.parse(token, text: text, at: start)
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        let start = pos
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !atNewline else {
                throw error("unterminated string: missing closing '\"' before the end of the line", at: start)
            }
            if c == "\"" {
                advance()
                return String(out)
            }
            if c == "\\" {
                out.append(try parseEscape())
                continue
            }
            if Parser.isControl(c) { throw error("control character \(Parser.hex(c)) must be escaped in a string") }
            out.append(c)
            advance()
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = pos
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !atNewline else {
                throw error("unterminated string: missing closing \"'\" before the end of the line", at: start)
            }
            if c == "'" {
                advance()
                return String(out)
            }
            if Parser.isControl(c) { throw error("control character \(Parser.hex(c)) is not allowed in a literal string") }
            out.append(c)
            advance()
        }
    }

    /// `"""…"""` (with escapes and line-ending backslashes) or `'''…'''` (raw).
    private mutating func parseMultilineString(quote: Unicode.Scalar) throws(TOMLError) -> String {
        let start = pos
        let basic = quote == "\""
        advance(3)
        if atNewline { consumeNewline() } // a newline right after the opening quotes is dropped
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string: missing closing \(String(repeating: String(quote), count: 3))", at: start)
            }
            if c == quote {
                var run = 0
                while peek(run) == quote && run < 5 { run += 1 }
                if run >= 3 { // up to two quotes may sit right before the closing three
                    for _ in 0..<(run - 3) { out.append(quote) }
                    advance(run)
                    return String(out)
                }
                for _ in 0..<run { out.append(quote) }
                advance(run)
            } else if atNewline {
                consumeNewline()
                out.append("\n")
            } else if basic && c == "\\" {
                var j = 1
                while peek(j) == " " || peek(j) == "\t" { j += 1 }
                if peek(j) == "\n" || (peek(j) == "\r" && peek(j + 1) == "\n") {
                    // Line-ending backslash: drop it and all whitespace and newlines after it.
                    advance(j)
                    while peek() == " " || peek() == "\t" || atNewline { advance() }
                } else {
                    out.append(try parseEscape())
                }
            } else if Parser.isControl(c) {
                throw error("control character \(Parser.hex(c)) is not allowed in a string" + (basic ? " (escape it)" : ""))
            } else {
                out.append(c)
                advance()
            }
        }
    }

    private mutating func parseEscape() throws(TOMLError) -> Unicode.Scalar {
        let start = pos
        advance()
        guard let c = peek(), !atNewline else { throw error("unterminated escape sequence", at: start) }
        advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var digits = ""
            for _ in 0..<count {
                guard let d = peek(), d.properties.isASCIIHexDigit else {
                    throw error("invalid escape '\\\(c)\(digits)': expected \(count) hexadecimal digits", at: start)
                }
                digits.unicodeScalars.append(d)
                advance()
            }
            guard let scalar = UInt32(digits, radix: 16).flatMap({ Unicode.Scalar($0) }) else {
                throw error("invalid escape '\\\(c)\(digits)': not a Unicode character", at: start)
            }
            return scalar
        default:
            let shown = Parser.isControl(c) || c == " " ? "'\\' followed by \(Parser.hex(c))" : "'\\\(c)'"
            throw error("invalid escape \(shown) (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
        }
    }
}
