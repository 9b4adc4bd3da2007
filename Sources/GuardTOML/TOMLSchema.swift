// Reading parsed TOML into typed configuration, with uniform error messages:
//
//   config.toml:3:14: expected '=' after key, found 'x'               (syntax)
//   config.toml: missing key 'from' in [accounts.work]                 (missingKey; line of the header when known)
//   config.toml:5: 'accounts.work.insecure' must be a boolean, found a string   (wrongType)
//   config.toml:7: unknown key 'pasword_command' in [accounts.work]   (unknownKey)
//   config.toml:4: 'accounts.work.password' must not be empty          (invalidValue)

/// An error found while reading a configuration file: the text of `message` follows
/// "file:line: " in `description`.
public struct TOMLSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file is not valid TOML (see `TOMLError`).
        case syntax
        case missingKey, wrongType, unknownKey, invalidValue
    }

    public let kind: Kind
    public let file: String
    public let line: Int?
    /// Only set for syntax errors.
    public let column: Int?
    /// The full dotted key path, e.g. "accounts.work.insecure" (empty for syntax errors).
    public let key: String
    /// The sentence after "file:line: ", e.g. "unknown key 'x' in [accounts.work]".
    public let message: String

    public init(kind: Kind, file: String, line: Int?, column: Int? = nil, key: String, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// Wraps a parse error: "config.toml:3:14: expected '=' after key".
    public init(_ error: TOMLError, file: String) {
        self.init(
            kind: .syntax, file: file, line: error.position.line, column: error.position.column,
            key: "", message: error.message)
    }

    /// An `.invalidValue` error whose message starts with the quoted key:
    /// `invalidValue(file: "config.toml", line: 4, key: "accounts.work.password", "must not be empty")`
    /// reads "config.toml:4: 'accounts.work.password' must not be empty".
    public static func invalidValue(file: String, line: Int?, key: String, _ problem: String) -> TOMLSchemaError {
        TOMLSchemaError(kind: .invalidValue, file: file, line: line, key: key, message: "'\(key)' \(problem)")
    }

    public var description: String {
        var place = file
        if let line {
            place += ":\(line)"
            if let column { place += ":\(column)" }
        }
        return "\(place): \(message)"
    }
}

/// A type a configuration value can be read as.
public protocol TOMLReadable {
    /// The value, or nil when the node holds something else.
    static func read(_ node: TOMLNode) -> Self?
    /// What was expected, for messages: "a string".
    static var expected: String { get }
    /// The plural, for arrays: "strings". By default `expected` without its article, plus "s".
    static var expectedPlural: String { get }
}

extension TOMLReadable {
    public static var expectedPlural: String {
        for article in ["a ", "an "] where expected.hasPrefix(article) {
            return String(expected.dropFirst(article.count)) + "s"
        }
        return expected
    }
}

extension String: TOMLReadable {
    public static func read(_ node: TOMLNode) -> String? { node.stringValue }
    public static var expected: String { "a string" }
}

extension Int64: TOMLReadable {
    public static func read(_ node: TOMLNode) -> Int64? { node.integerValue }
    public static var expected: String { "an integer" }
}

extension Int: TOMLReadable {
    public static func read(_ node: TOMLNode) -> Int? { node.integerValue.flatMap { Int(exactly: $0) } }
    public static var expected: String { "an integer" }
}

extension Double: TOMLReadable {
    /// Floats, and integers too (`timeout = 30` for a Double setting is fine).
    public static func read(_ node: TOMLNode) -> Double? {
        if let v = node.floatValue { return v }
        return node.integerValue.map { Double($0) }
    }
    public static var expected: String { "a number" }
}

extension Bool: TOMLReadable {
    public static func read(_ node: TOMLNode) -> Bool? { node.boolValue }
    public static var expected: String { "a boolean" }
}

extension Array: TOMLReadable where Element: TOMLReadable {
    /// An array whose elements all read as `Element`.
    public static func read(_ node: TOMLNode) -> [Element]? {
        guard let items = node.arrayValue else { return nil }
        var out: [Element] = []
        for item in items {
            guard let value = Element.read(item) else { return nil }
            out.append(value)
        }
        return out
    }
    public static var expected: String { "an array of \(Element.expectedPlural)" }
    public static var expectedPlural: String { "arrays of \(Element.expectedPlural)" }
}

/// Reads one table, tracking which keys were consumed, so that `finish()` can report unknown keys.
///
/// Every reader — including those returned by `table(_:)`, `tables(_:)` and `tableArray(_:)` —
/// checks only its own keys, so call `finish()` on each of them.
public struct TOMLTableReader: Sendable {
    public let table: TOMLTable
    /// The table's dotted path, e.g. "accounts.work", or "" for the document root.
    public let path: String
    public let file: String
    private var consumed: Set<String> = []

    public init(_ table: TOMLTable, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    /// Parses `text` and returns a reader for its root table; syntax errors become `.syntax` errors.
    public static func parse(_ text: String, file: String) throws(TOMLSchemaError) -> TOMLTableReader {
        do {
            return TOMLTableReader(try TOML.parse(text), path: "", file: file)
        } catch {
            throw TOMLSchemaError(error, file: file)
        }
    }

    /// The dotted path of a key in this table, e.g. "accounts.work.from".
    public func fullKey(_ key: String) -> String {
        path.isEmpty ? TOML.keyPath([key]) : path + "." + TOML.keyPath([key])
    }

    /// "in [accounts.work]" or "at the top level".
    private var whereabouts: String { path.isEmpty ? "at the top level" : "in [\(path)]" }

    /// Where the key (or, without one, its value) was written.
    public func position(of key: String) -> TOMLPosition? {
        guard let node = table[key] else { return nil }
        return node.keyPosition ?? node.position
    }

    /// The raw node, marking the key as consumed.
    public mutating func node(_ key: String) -> TOMLNode? {
        consumed.insert(key)
        return table[key]
    }

    public mutating func required<T: TOMLReadable>(_ key: String, as type: T.Type = T.self) throws(TOMLSchemaError) -> T {
        guard let value = try optional(key, as: type) else {
            throw TOMLSchemaError(
                kind: .missingKey, file: file, line: path.isEmpty ? nil : table.position.line,
                key: fullKey(key), message: "missing key '\(key)' \(whereabouts)")
        }
        return value
    }

    public mutating func optional<T: TOMLReadable>(_ key: String, as type: T.Type = T.self) throws(TOMLSchemaError) -> T? {
        guard let node = node(key) else { return nil }
        guard let value = T.read(node) else { throw wrongType(key, node, expected: T.expected) }
        return value
    }

    /// A reader for the sub-table at `key` (a `[header]`, dotted or inline table), or nil if absent.
    public mutating func table(_ key: String) throws(TOMLSchemaError) -> TOMLTableReader? {
        guard let node = node(key) else { return nil }
        guard let sub = node.tableValue else { throw wrongType(key, node, expected: "a table") }
        return TOMLTableReader(sub, path: fullKey(key), file: file)
    }

    /// Each sub-table of the table at `key`, in source order: for `[accounts.work]` and
    /// `[accounts.home]`, `tables("accounts")` gives "work" and "home". Empty if `key` is absent.
    public mutating func tables(_ key: String) throws(TOMLSchemaError) -> [(name: String, reader: TOMLTableReader)] {
        guard let parent = try table(key) else { return [] }
        var out: [(name: String, reader: TOMLTableReader)] = []
        for (name, node) in parent.table.entries {
            guard let sub = node.tableValue else { throw parent.wrongType(name, node, expected: "a table") }
            out.append((name, TOMLTableReader(sub, path: parent.fullKey(name), file: file)))
        }
        return out
    }

    /// Readers for an array of tables (`[[rule]]` sections, or an array of inline tables).
    /// Elements are named with 1-based indexes: "rule[1]", "rule[2]". Empty if `key` is absent.
    public mutating func tableArray(_ key: String) throws(TOMLSchemaError) -> [TOMLTableReader] {
        guard let node = node(key) else { return [] }
        guard let items = node.arrayValue else { throw wrongType(key, node, expected: "an array of tables") }
        var out: [TOMLTableReader] = []
        for (n, item) in items.enumerated() {
            let name = "\(fullKey(key))[\(n + 1)]"
            guard let sub = item.tableValue else {
                throw TOMLSchemaError(
                    kind: .wrongType, file: file, line: item.position.line, key: name,
                    message: "'\(name)' must be a table, found \(item.typeName)")
            }
            out.append(TOMLTableReader(sub, path: name, file: file))
        }
        return out
    }

    /// Keys present in the table but never read, in source order.
    public var unknownKeys: [String] { table.keys.filter { !consumed.contains($0) } }

    /// Throws `.unknownKey` for the first key that was never read.
    public func finish() throws(TOMLSchemaError) {
        guard let key = unknownKeys.first else { return }
        throw TOMLSchemaError(
            kind: .unknownKey, file: file, line: position(of: key)?.line, key: fullKey(key),
            message: "unknown key '\(key)' \(whereabouts)")
    }

    /// An `.invalidValue` error for a key, at its line (or the table's, if the key is absent):
    /// `invalid("port", "must be between 1 and 65535")` reads
    /// "config.toml:4: 'accounts.work.port' must be between 1 and 65535".
    public func invalid(_ key: String, _ message: String) -> TOMLSchemaError {
        let line = position(of: key)?.line ?? (path.isEmpty ? nil : table.position.line)
        return .invalidValue(file: file, line: line, key: fullKey(key), message)
    }

    private func wrongType(_ key: String, _ node: TOMLNode, expected: String) -> TOMLSchemaError {
        TOMLSchemaError(
            kind: .wrongType, file: file, line: node.position.line, key: fullKey(key),
            message: "'\(fullKey(key))' must be \(expected), found \(node.typeName)")
    }
}
