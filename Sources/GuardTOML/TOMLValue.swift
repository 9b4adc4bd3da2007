// GuardTOML — a small TOML 1.0 parser that keeps the position of every key and value,
// so configuration errors can name the file, line and table they are about.
//
// Choices worth knowing:
// - Lines and columns are 1-based. Columns count Unicode scalars, so "日本" is two columns
//   and a tab is one. A "\r\n" line ending counts as one line break.
// - Dates and times (offset date-times, local date-times, local dates, local times) are
//   checked for shape and range and kept as their original text in `TOMLValue.dateTime`.
// - Newlines in multi-line strings come out as "\n", whatever the file used.

/// A place in the source text. Both numbers are 1-based; columns count Unicode scalars.
public struct TOMLPosition: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A parsed TOML value.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// A date, time or date-time, kept exactly as written (e.g. "1979-05-27T07:32:00Z").
    case dateTime(String)
    /// A value array or an array of tables (`[[name]]`); each element keeps its own position.
    case array([TOMLNode])
    case table(TOMLTable)

    /// "a string", "an integer", … — for use in messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .dateTime(let text):
            let hasDate = text.count >= 5 && Array(text.unicodeScalars)[4] == "-"
            let hasTime = text.contains(":")
            return hasDate && hasTime ? "a date-time" : (hasDate ? "a date" : "a time")
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A value together with where it was written.
public struct TOMLNode: Sendable, Equatable {
    public let value: TOMLValue
    /// Where the value starts. For tables defined by a `[header]` this is the header's `[`.
    public let position: TOMLPosition
    /// Where the value's key was written, if it has one (array elements have none).
    /// For a dotted key `a.b.c` this is the position of that node's own part of the key.
    public let keyPosition: TOMLPosition?

    public init(value: TOMLValue, position: TOMLPosition, keyPosition: TOMLPosition? = nil) {
        self.value = value
        self.position = position
        self.keyPosition = keyPosition
    }

    public var typeName: String { value.typeName }

    public var stringValue: String? {
        if case .string(let v) = value { return v }
        return nil
    }
    public var integerValue: Int64? {
        if case .integer(let v) = value { return v }
        return nil
    }
    public var floatValue: Double? {
        if case .float(let v) = value { return v }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let v) = value { return v }
        return nil
    }
    public var arrayValue: [TOMLNode]? {
        if case .array(let v) = value { return v }
        return nil
    }
    public var tableValue: TOMLTable? {
        if case .table(let v) = value { return v }
        return nil
    }
}

/// A table: keys in source order, each with its node.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: TOMLNode] = [:]
    /// The table's `[header]`, its first key (dotted-key tables), its `{` (inline tables),
    /// or 1:1 for the document root.
    public var position: TOMLPosition

    init(position: TOMLPosition) {
        self.position = position
    }

    public subscript(key: String) -> TOMLNode? { storage[key] }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public func contains(_ key: String) -> Bool { storage[key] != nil }

    /// The entries in source order.
    public var entries: [(key: String, node: TOMLNode)] { keys.map { ($0, storage[$0]!) } }

    /// Looks a node up by its path of keys, e.g. `["accounts", "work", "from"]`.
    public func node(at path: [String]) -> TOMLNode? {
        guard let first = path.first, let node = storage[first] else { return nil }
        if path.count == 1 { return node }
        return node.tableValue?.node(at: Array(path.dropFirst()))
    }

    mutating func append(_ key: String, _ node: TOMLNode) {
        if storage.updateValue(node, forKey: key) == nil { keys.append(key) }
    }
}

/// A syntax error in a TOML document.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let position: TOMLPosition
    public let message: String

    public init(position: TOMLPosition, message: String) {
        self.position = position
        self.message = message
    }

    /// "line 3, column 14: expected '=' after key"
    public var description: String { "line \(position.line), column \(position.column): \(message)" }

    /// "config.toml:3:14: expected '=' after key"
    public func description(file: String) -> String {
        "\(file):\(position.line):\(position.column): \(message)"
    }
}

public enum TOML {
    /// Parses a whole TOML document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = Parser(text)
        return try parser.parseDocument()
    }

    /// Writes a key path the way TOML would: `accounts.work`, `servers."mail.example.org"`.
    public static func keyPath(_ parts: [String]) -> String {
        parts.map(quotedIfNeeded).joined(separator: ".")
    }

    static func quotedIfNeeded(_ key: String) -> String {
        if !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyScalar) { return key }
        return quoted(key)
    }

    /// `text` as a TOML basic string literal. The escapes used (\" \\ \n \t \uXXXX) are the
    /// same in JSON, so the result is also a valid JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    let hex = String(c.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    static func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }
}
